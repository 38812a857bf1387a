"""Media resolution: an input reference to bytes, with limits, and the problems the vendors report.

References resolve, first match wins: a scheme a dialect registers (such as DashScope's ``oss://``); a path the
emulator serves itself (uploaded media under ``/_emulator/media/<id>``, fixtures), on any host, read without a
network round trip; magic URLs on ``*.asr-emulator.test`` that synthesise audio or a failure without any setup;
then a real ``http(s)`` download, streamed, with size and time limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, urlsplit

import httpx

from emulator.engine.audio import AudioInfo, AudioProblem, probe, voiced_signal, wav_bytes
from emulator.engine.store import Store
from emulator.inputs import whole_number

MAGIC_SUFFIX = ".asr-emulator.test"
_MEDIA_PATH = re.compile(r"/_emulator/media/([0-9a-f]{16,64})(?:/[^/]*)?$")


class MediaProblem(Exception):
    """A neutral media problem; the dialect maps ``kind`` (and ``status``) to its own code.

    kinds: ``bad_url``, ``download_status`` (with ``status``), ``download_failed``, ``download_timeout``,
    ``too_large``, ``length_mismatch``, ``unsupported_format``, ``decode_error``, ``no_speech``, and ``vendor``
    (``code`` is a vendor code named by a magic URL).
    """

    def __init__(self, kind: str, detail: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status
        self.code = code


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int
    timeout: float = 30.0
    max_redirects: int = 5
    schemes: tuple[str, ...] = ("http", "https")


@dataclass(frozen=True)
class Media:
    source: str
    data: bytes
    sha256: str
    info: AudioInfo


NAMED = "engine.named_media"           # URL → the uploaded media that answers it


@dataclass(frozen=True)
class NamedMedia:
    media_id: str


LocalResolver = Callable[[str], bytes | None]
PathResolver = Callable[[re.Match[str]], bytes | None]
HostResolver = Callable[[SplitResult], bytes | None]


class MediaResolver:
    """``transport`` replaces the network for downloads (tests); by default each download opens its own client,
    so the resolver works from any event loop."""

    def __init__(self, store: Store, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._store = store
        self._transport = transport
        self.deadline = 60.0           # seconds a whole download may take, however the bytes trickle
        self._schemes: dict[str, LocalResolver] = {}
        self._hosts: list[tuple[re.Pattern[str], HostResolver]] = []
        self._paths: list[tuple[re.Pattern[str], PathResolver]] = [
            (_MEDIA_PATH, lambda m: self._blob("media", m.group(1))),
        ]

    def _blob(self, kind: str, key: str) -> bytes | None:
        blob = self._store.get_blob(kind, key)
        return None if blob is None else blob.data

    def name_url(self, url: str, media_id: str) -> None:
        """Answer ``url`` (exactly as a job names it) with the uploaded media ``media_id``, without a download."""
        self._store.put_record(NAMED, url, NamedMedia(media_id))

    def _named(self, url: str) -> bytes | None:
        found = self._store.get_record(NAMED, url)
        return self._blob("media", found.media_id) if isinstance(found, NamedMedia) else None

    def register_scheme(self, scheme: str, resolver: LocalResolver) -> None:
        self._schemes[scheme] = resolver

    def register_host(self, pattern: str, resolver: HostResolver) -> None:
        """Serve URLs whose host fully matches ``pattern`` (an object store the emulator keeps) from ``resolver``;
        None falls through to a real download."""
        self._hosts.append((re.compile(pattern), resolver))

    def register_path(self, pattern: str, resolver: PathResolver) -> None:
        """Serve URLs whose path matches ``pattern`` (on any host) from ``resolver``; None falls through."""
        self._paths.append((re.compile(pattern), resolver))

    async def resolve(self, source: str, limits: FetchLimits) -> Media:
        data = await self.fetch(source, limits)
        try:
            info = probe(data)
        except AudioProblem as exc:
            raise MediaProblem(exc.kind, exc.detail) from None
        return Media(source=source, data=data, sha256=hashlib.sha256(data).hexdigest(), info=info)

    async def fetch(self, source: str, limits: FetchLimits) -> bytes:
        if not isinstance(source, str) or not source.strip():
            raise MediaProblem("bad_url", "the file URL is empty")
        named = self._named(source)
        if named is not None:                  # a URL a test named (POST /_emulator/media with url)
            return self._check_size(named, limits)
        try:
            parts = urlsplit(source)
            hostname = parts.hostname
        except ValueError as exc:
            raise MediaProblem("bad_url", f"the URL {source!r} cannot be parsed: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme in self._schemes:
            found = self._schemes[scheme](source)
            if found is None:
                raise MediaProblem("download_status", f"{source} does not exist", status=404)
            return self._check_size(found, limits)
        if scheme not in limits.schemes or not hostname:
            raise MediaProblem("bad_url", f"unsupported URL {source!r}: only {', '.join(limits.schemes)} URLs")
        if " " in source:
            raise MediaProblem("bad_url", "the URL contains unencoded spaces")
        for host_pattern, host_resolver in self._hosts:
            if host_pattern.fullmatch(hostname):
                hosted = host_resolver(parts)
                if hosted is not None:
                    return self._check_size(hosted, limits)
        for pattern, resolver in self._paths:
            match = pattern.search(parts.path)
            found = resolver(match) if match is not None else None
            if found is not None:
                return self._check_size(found, limits)
        if hostname.endswith(MAGIC_SUFFIX):       # synthesis is CPU work: off the event loop
            return self._check_size(await asyncio.to_thread(magic_media, source), limits)
        return await self._download(source, limits)

    @staticmethod
    def _check_size(data: bytes, limits: FetchLimits) -> bytes:
        if len(data) > limits.max_bytes:
            raise MediaProblem("too_large", f"the file is {len(data)} bytes, over the limit of {limits.max_bytes}")
        return data

    async def _download(self, url: str, limits: FetchLimits) -> bytes:
        try:
            async with asyncio.timeout(self.deadline):
                return await self._stream(url, limits)
        except TimeoutError:
            raise MediaProblem("download_timeout", f"downloading {url} took longer than {self.deadline:g} s") from None

    async def _stream(self, url: str, limits: FetchLimits) -> bytes:
        declared: str | None = None
        try:
            async with httpx.AsyncClient(transport=self._transport, trust_env=False, follow_redirects=True,
                                         max_redirects=limits.max_redirects, timeout=limits.timeout) as client, \
                    client.stream("GET", url) as resp:
                if resp.status_code != 200:
                    raise MediaProblem("download_status", f"download answered HTTP {resp.status_code}",
                                       status=resp.status_code)
                declared = resp.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes:
                    raise MediaProblem("too_large", f"the file declares {declared} bytes, "
                                                    f"over the limit of {limits.max_bytes}")
                chunks: list[bytes] = []
                total = 0
                async for chunk in resp.aiter_raw():
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise MediaProblem("too_large", f"the file is over the limit of {limits.max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise MediaProblem("download_timeout", f"downloading {url} timed out after {limits.timeout:g} s") from None
        except httpx.TooManyRedirects:
            raise MediaProblem("download_failed", f"too many redirects for {url}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if declared is not None or "length" in str(exc).lower() or "incomplete" in str(exc).lower():
                raise MediaProblem("length_mismatch", f"the body of {url} did not match its Content-Length") from None
            raise MediaProblem("download_failed", f"downloading {url} failed: {exc}") from None
        except httpx.HTTPError as exc:
            raise MediaProblem("download_failed", f"downloading {url} failed: {exc}") from None
        except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
            raise MediaProblem("bad_url", f"the URL {url!r} cannot be requested: {exc}") from None
        return b"".join(chunks)


MAGIC_MAX_SECONDS = 600.0
MAGIC_MAX_SAMPLES = 20_000_000      # ~40 MB of 16-bit PCM: 600 s of 16 kHz stereo, or of 32 kHz mono
_MAGIC_CACHE: OrderedDict[str, bytes] = OrderedDict()
_MAGIC_CACHE_ITEMS, _MAGIC_CACHE_ITEM_BYTES = 64, 2 * 1024 * 1024


def magic_media(url: str) -> bytes:
    """``_magic_media`` with the last few small results kept: tests submit the same magic URL again and again."""
    cached = _MAGIC_CACHE.get(url)
    if cached is not None:
        _MAGIC_CACHE.move_to_end(url)
        return cached
    data = _magic_media(url)
    if len(data) <= _MAGIC_CACHE_ITEM_BYTES:
        _MAGIC_CACHE[url] = data
        while len(_MAGIC_CACHE) > _MAGIC_CACHE_ITEMS:
            _MAGIC_CACHE.popitem(last=False)
    return data


def _magic_media(url: str) -> bytes:
    """Audio synthesised from a magic URL on ``*.asr-emulator.test``.

    Query: ``duration`` (seconds, default 3), ``rate`` (16000), ``channels`` (1), ``text`` (its script),
    ``silence=1`` (no speech), ``status=404`` (the download answers that HTTP status), ``fail=<vendor code>``.
    """
    q = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    if "status" in q:
        status = whole_number(q["status"], 3) or 500
        raise MediaProblem("download_status", f"download answered HTTP {status}", status=status)
    if "fail" in q:
        raise MediaProblem("vendor", f"magic URL asks for {q['fail']}", code=q["fail"])
    try:
        seconds = min(float(q.get("duration", "3")), MAGIC_MAX_SECONDS)
    except ValueError:
        raise MediaProblem("decode_error", "magic URL parameters are not numbers") from None
    rate, channels = whole_number(q.get("rate", "16000"), 6), whole_number(q.get("channels", "1"), 2)
    if rate is None or channels is None:
        raise MediaProblem("decode_error", "magic URL parameters are not numbers")
    channels = max(1, min(channels, 8))
    if not math.isfinite(seconds) or seconds <= 0 or rate < 1000 or rate > 192000:
        raise MediaProblem("decode_error", "magic URL asks for an impossible audio shape")
    if seconds * rate * channels > MAGIC_MAX_SAMPLES:
        raise MediaProblem("too_large", f"the emulator synthesises at most {MAGIC_MAX_SAMPLES:,} samples a magic URL "
                                        f"(seconds × rate × channels); this one asks for "
                                        f"{int(seconds * rate * channels):,}")
    seed = int(hashlib.sha256(url.encode()).hexdigest()[:8], 16)
    if q.get("silence") == "1":
        one = array("h", bytes(2 * int(seconds * rate)))
    else:
        lead = min(0.2, seconds / 10)
        one = voiced_signal([(lead, False), (seconds - 2 * lead, True), (lead, False)], rate, seed)
    script = {"text": q["text"]} if "text" in q else None
    return wav_bytes([one] * channels, rate, script)
