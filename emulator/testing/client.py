"""A small synchronous client for the control plane (``/_emulator/``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from emulator.engine.accounts import ACCOUNT_HEADER


class ControlError(Exception):
    pass


def control_headers(token: str | None = None) -> dict[str, str]:
    """``Authorization`` for a locked control plane: the token given, else ``ASR_EMULATOR_CONTROL_TOKEN``."""
    token = token if token is not None else os.environ.get("ASR_EMULATOR_CONTROL_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def fault_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A fault rule in its full form: ``{"match": {...}, "action": {...}}``. A flat rule (``{"vendor": …,
    "operation": …, "action": …}``) means the same: what is not the action is the match."""
    rest = dict(rule)
    if "action" not in rest:
        raise ValueError(f"a fault rule needs an 'action': {rule!r}")
    action = rest.pop("action")
    match = rest.pop("match", None)
    if match is None:
        match = rest
    elif rest:
        raise ValueError(f"a fault rule has 'match' and 'action' only, or flat match fields: {rule!r}")
    return {"match": dict(match), "action": action}


class ControlClient:
    """The control plane of an emulator at ``url``. ``client`` (shared, kept open by its owner) or ``transport``
    (e.g. a ``LoopTransport`` to an app in this process) replace the default connection."""

    def __init__(self, url: str, client: httpx.Client | None = None,
                 transport: httpx.BaseTransport | None = None, account: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._owns = client is None
        self._http = client or httpx.Client(base_url=self.url + "/_emulator", timeout=30, trust_env=False,
                                            transport=transport, headers=control_headers())
        # ``account``: act for that account only (X-ASR-Emulator-Account: its credential ids, comma-separated)
        self._scope = {ACCOUNT_HEADER: account} if account else {}

    def close(self) -> None:
        if self._owns:
            self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._scope:
            kwargs["headers"] = {**self._scope, **kwargs.get("headers", {})}
        resp = self._http.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise ControlError(f"{method} /_emulator{path} -> {resp.status_code}: {resp.text}")
        return resp.json()

    def warnings(self) -> dict[str, Any]:
        """What was accepted that the vendors refuse: ``accepted`` (vendor, rule, count, …) and the declared
        ``rules``."""
        result: dict[str, Any] = self._call("GET", "/warnings")
        return result

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def reset(self, *, lifecycle: str | None = None, settings: dict[str, Any] | None = None,
              faults: list[dict[str, Any]] | None = None, scope: str | None = None) -> None:
        """Forget everything (``scope="overrides"``: what tests configure, keeping jobs and the journal), then
        configure in the same step: a lifecycle, settings and fault rules (full or flat)."""
        body: dict[str, Any] = {k: v for k, v in (("scope", scope), ("lifecycle", lifecycle), ("settings", settings))
                                if v is not None}
        if faults:
            body["faults"] = [fault_rule(r) for r in faults]
        self._call("POST", "/reset", json=body)

    def lifecycle(self, policy: str, vendor: str | None = None, model: str | None = None) -> None:
        self._call("POST", "/lifecycle", json={"policy": policy, "vendor": vendor, "model": model})

    def settings(self, **values: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/settings", json=values)
        return result

    def clock(self, *, mode: str | None = None, now: float | None = None,
              advance: float | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("mode", mode), ("now", now), ("advance", advance)) if v is not None}
        result: dict[str, Any] = self._call("POST", "/clock", json=body)
        return result

    def jobs(self, **filters: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/jobs", params=filters)["jobs"]
        return result

    def job(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/jobs/{job_id}")
        return result

    def job_action(self, job_id: str, action: str, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/{action}", json=body)
        return result

    def fault(self, action: dict[str, Any] | str, **match: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/faults", json={"match": match, "action": action})["rules"][0]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def script(self, text: str | list[str], *, url: str | None = None, sha256: str | None = None,
               media_id: str | None = None, language: str | None = None, stream: bool = False,
               labels: dict[str, str | list[str]] | None = None, emotions: list[str | None] | None = None,
               events: list[str | None] | None = None) -> None:
        """Register what the emulator hears: for a URL, a content hash, an upload, or the next realtime stream.
        ``labels`` are what classifiers answer (e.g. ``{"background_music": "是"}``, or a list: one per clip);
        ``emotions`` and ``events`` (SenseVoice: ``"BGM"``, ``"Applause"``, ``"Laughter"``) go one per sentence."""
        body: dict[str, Any] = {"channels": text} if isinstance(text, list) else {"text": text}
        body.update({k: v for k, v in (("url", url), ("sha256", sha256), ("media_id", media_id),
                                       ("language", language), ("stream", stream or None), ("labels", labels),
                                       ("emotions", emotions), ("events", events))
                     if v is not None})
        self._call("POST", "/scripts", json=body)

    def upload(self, audio: bytes | Path, name: str = "audio.wav", text: str | None = None,
               url: str | None = None) -> dict[str, Any]:
        """Upload audio; its ``url`` in the answer is what to submit. With ``url``, that URL (any http(s) URL, e.g.
        an OSS or COS address) is answered with this audio, without a download."""
        data = audio.read_bytes() if isinstance(audio, Path) else audio
        params = {"name": name, **({"text": text} if text else {}), **({"url": url} if url else {})}
        result: dict[str, Any] = self._call("POST", "/media", content=data, params=params,
                                            headers={"content-type": "audio/wav"})
        return result

    def name_media(self, url: str, text: str, *, duration: float | None = None, rate: int | None = None,
                   channels: int | None = None) -> dict[str, Any]:
        """Answer ``url`` with synthesised audio that says ``text`` (and is transcribed as exactly that)."""
        params = {"url": url, "text": text, **{k: str(v) for k, v in (("duration", duration), ("rate", rate),
                                                                      ("channels", channels)) if v is not None}}
        result: dict[str, Any] = self._call("POST", "/media", params=params)
        return result

    def replay(self, cassettes: str | os.PathLike[str] | None, *, strict: bool = False,
               pace: float = 0.0) -> None:
        """Answer matching requests from the cassettes in this folder (``serve --record`` made them), until the
        next reset; ``strict``: refuse what they do not hold; ``pace``: WebSocket messages at the recorded pace
        times this (0: at once). None: stop. The files are sent: a remote emulator replays them too."""
        if cassettes is None:
            self._call("DELETE", "/replay")
            return
        folder = Path(cassettes)
        files = sorted(folder.glob("*.json"))
        if not files:
            raise ValueError(f"{folder}: no cassette (*.json) there")
        exchanges = [json.loads(f.read_text("utf-8")) for f in files]
        self._call("POST", "/replay", json={"exchanges": exchanges, "strict": strict, "pace": pace})

    def journal(self, **filters: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/journal", params=filters)["entries"]
        return result

    def fixture_url(self, name: str) -> str:
        return f"{self.url}/_emulator/fixtures/{name}"

    def callbacks(self, **filters: str) -> list[dict[str, Any]]:
        """Callback deliveries (state waiting / delivered / failed, attempts, history)."""
        result: list[dict[str, Any]] = self._call("GET", "/callbacks", params=filters)["deliveries"]
        return result
