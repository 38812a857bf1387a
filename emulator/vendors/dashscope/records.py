"""What DashScope keeps of a task beside the engine's job (pickled in a state directory: state directories written
before this module existed name ``emulator.vendors.dashscope.routes``, which still imports these names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.vendors.dashscope.render import DEFAULT_STYLE, Style


@dataclass(slots=True)
class TaskRecord:
    """What DashScope keeps of a file-transcription task beside the engine's job."""

    request_id: str
    style: Style = DEFAULT_STYLE                         # how the task asked its text to be written
    payload: dict[str, Any] | None = None                # the submit body as received

    def to_json(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "body": self.payload, "itn": self.style.itn,
                "punctuation": self.style.punctuation, "events": self.style.events}


@dataclass(slots=True)
class QwenTaskRecord(TaskRecord):
    """A qwen3-asr-flash-filetrans task: its own input (``file_url``), result and usage shapes."""

    params: dict[str, Any] | None = None


__all__ = ["QwenTaskRecord", "TaskRecord"]
