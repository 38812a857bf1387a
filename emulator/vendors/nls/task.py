"""The ``Task`` JSON of ``SubmitTask``: parsed, checked and turned into recognizer options.

A rule the task breaks raises ``TaskError`` with the service's status code (``41050011`` bad ``file_link``,
``41050012`` bad ``callback_url``, ``41050013`` anything else that is not valid, ``41050014`` no appkey).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emulator.engine import Options
from emulator.vendors.nls import catalogue as cat


class TaskError(Exception):
    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


@dataclass(frozen=True)
class TaskSpec:
    appkey: str
    file_link: str
    version: str
    raw: dict[str, Any]
    callback_url: str | None

    @property
    def v4(self) -> bool:
        return self.version == cat.V4

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name, default)
        return bool(value)

    @property
    def words(self) -> bool:
        return self.v4 and self.flag("enable_words")

    @property
    def unify_post(self) -> bool:
        return self.v4 and self.flag("enable_unify_post")

    @property
    def itn(self) -> bool:
        return self.unify_post and self.flag("enable_inverse_text_normalization")

    @property
    def disfluency(self) -> bool:
        return self.unify_post and self.flag("enable_disfluency")

    @property
    def sample_rate_adaptive(self) -> bool:
        return self.v4 and self.flag("enable_sample_rate_adaptive")

    @property
    def punctuation(self) -> bool:
        return self.flag("enable_punctuation_prediction", True)

    @property
    def max_end_silence(self) -> int:
        """004: "The maximum duration of end silence. Default value: 450." — omitting it is passing 450."""
        value = self.raw.get("max_end_silence")
        return cat.DEFAULT_MAX_END_SILENCE_MS if value is None else int(value)

    @property
    def max_segment_ms(self) -> int:
        low, high = cat.MAX_SEGMENT_MS
        value = self.raw.get("max_single_segment_time")
        return cat.DEFAULT_MAX_SEGMENT_MS if value is None else min(max(int(value), low), high)

    @property
    def sentence_max_length(self) -> int | None:
        value = self.raw.get("sentence_max_length")
        return None if value is None else int(value)

    @property
    def speakers(self) -> int:
        """How many voices auto_split tells apart: ``speaker_num`` under ``supervise_type`` 1, else two."""
        count = self.raw.get("speaker_num", 2) if self.raw.get("supervise_type") == 1 else 2
        return int(count)

    def channels_for(self, sample_rate: int, channels: int) -> tuple[int, ...]:
        """Which channels are recognised: ``first_channel_only`` unset means both for 8 kHz, the first for 16 kHz."""
        first_only = self.raw.get("first_channel_only")
        if first_only is None:
            first_only = sample_rate > 8000
        return (0,) if first_only else tuple(range(channels))

    def splits_speakers(self, sample_rate: int, channels: int) -> bool:
        """``auto_split`` separates speakers of 8 kHz mono audio onto ChannelId."""
        return self.flag("auto_split") and sample_rate == 8000 and channels == 1


def parse_task(task: dict[str, Any], *, strict_urls: bool) -> TaskSpec:
    """The Task JSON — read, typed and bounded by its declaration (``cat.TASK_SCHEMA``) before SubmitTask runs —
    checked for what one field alone cannot say: the URLs, and fields that exclude each other."""
    appkey = task["appkey"]
    version = task.get("version", cat.DEFAULT_VERSION)
    file_link = task.get("file_link")
    if not file_link or not _good_url(file_link, strict_urls):
        raise TaskError(cat.INVALID_FILE_URL, f"file_link {file_link!r} is not a usable HTTP or HTTPS URL")
    callback_url = None
    if task.get("enable_callback"):
        callback_url = task.get("callback_url")
        if not callback_url or not _good_url(callback_url, strict_urls):
            raise TaskError(cat.INVALID_CALLBACK, f"callback_url {callback_url!r} is not a usable HTTP or HTTPS URL")
    _check_ranges(task)
    return TaskSpec(appkey=appkey, file_link=file_link, version=version, raw=task, callback_url=callback_url)


def _check_ranges(task: dict[str, Any]) -> None:
    if task.get("auto_split") and task.get("enable_unify_post"):
        raise TaskError(cat.PARAMETER_INVALID, "auto_split and enable_unify_post cannot both be true")
    windows = task.get("valid_times")
    if windows is not None:
        valid_times(windows)


def valid_times(value: list[dict[str, int]]) -> tuple[tuple[int, int, int], ...]:
    """The windows of ``valid_times`` (typed by the declaration): each must begin before it ends."""
    out = []
    for w in value:
        if w["begin_time"] < 0 or w["end_time"] <= w["begin_time"] or w["channel_id"] < 0:
            raise TaskError(cat.PARAMETER_INVALID, "a valid_times entry must have 0 <= begin_time < end_time")
        out.append((w["channel_id"], w["begin_time"], w["end_time"]))
    return tuple(out)


def _good_url(url: str, strict: bool) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not host or " " in url:
        return False
    return not (strict and ip_literal(host))


def ip_url(url: str) -> bool:
    """Whether a URL's host is an IP address (the document's invalid example: ``http://127.0.0.1/sample.wav``)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return ip_literal(host)


def ip_literal(host: str) -> bool:
    """An IP address in any notation the network stack accepts: dotted, short (``127.1``), decimal (``2130706433``),
    hexadecimal (``0x7f000001``), octal, or IPv6 (``[::1]``)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


def private_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified \
        or ip.is_multicast


def recognizer_options(spec: TaskSpec, language: str) -> Options:
    speakers = None
    if spec.flag("auto_split"):
        speakers = spec.speakers
    windows = valid_times(spec.raw["valid_times"]) if spec.raw.get("valid_times") is not None else None
    return Options(language=language, speakers=speakers, remove_disfluencies=spec.disfluency,
                   aligned_words=spec.flag("enable_timestamp_alignment"), windows=windows)


@dataclass
class TaskRecord:
    """What filetrans keeps of a task beside the engine's job: the parsed Task and the API version it was
    submitted with; the outcome (status code, Result) is computed once."""

    spec: TaskSpec
    api_version: str
    outcome: tuple[int, dict[str, Any] | None] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"task": self.spec.raw, "version": self.api_version}
