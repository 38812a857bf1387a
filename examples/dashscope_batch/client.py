"""A small batch-transcription client over DashScope's REST API with httpx — the kind of code a product carries:
submit the files, poll the task, fetch each file's transcript.

``transcribe_naive`` has a real, plausible bug: it reads every entry of ``results`` as a success. When one file of
a batch fails (a dead link, say), the task still SUCCEEDS, that entry has ``subtask_status: FAILED`` and no
``transcription_url``, and the client crashes with ``KeyError`` — or, before this line was hit, retried nothing on a
429 from the poll. ``transcribe`` is the fixed version: per-file outcomes, and throttling and server errors retried.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

BASE = "https://dashscope.aliyuncs.com/api/v1"
RETRYABLE = {408, 429, 500, 502, 503, 504}


class TranscriptionFailed(Exception):
    """The task could not be run or finished: the service's code and message."""


@dataclass(frozen=True)
class FileResult:
    url: str
    text: str | None = None
    error: str | None = None


def _submit(client: httpx.Client, api_key: str, urls: list[str]) -> str:
    response = client.post(f"{BASE}/services/audio/asr/transcription",
                           headers={"Authorization": f"Bearer {api_key}", "X-DashScope-Async": "enable"},
                           json={"model": "paraformer-v2", "input": {"file_urls": urls}})
    if response.status_code != 200:
        raise TranscriptionFailed(f"{response.status_code} {response.json().get('code')}")
    task_id: str = response.json()["output"]["task_id"]
    return task_id


def _text(client: httpx.Client, url: str) -> str:
    document = client.get(url).json()
    return "".join(t["text"] for t in document["transcripts"])


def transcribe_naive(client: httpx.Client, api_key: str, urls: list[str], interval: float = 0.0) -> list[FileResult]:
    task_id = _submit(client, api_key, urls)
    while True:
        output = client.get(f"{BASE}/tasks/{task_id}", headers={"Authorization": f"Bearer {api_key}"}).json()["output"]
        if output["task_status"] == "SUCCEEDED":
            return [FileResult(r["file_url"], _text(client, r["transcription_url"])) for r in output["results"]]
        if output["task_status"] == "FAILED":
            raise TranscriptionFailed(output.get("code", "FAILED"))
        time.sleep(interval)


def transcribe(client: httpx.Client, api_key: str, urls: list[str], interval: float = 0.0,
               attempts: int = 6) -> list[FileResult]:
    headers = {"Authorization": f"Bearer {api_key}"}
    for attempt in range(attempts):
        try:
            task_id = _submit(client, api_key, urls)
            break
        except TranscriptionFailed as exc:
            if attempt == attempts - 1 or int(str(exc).split()[0]) not in RETRYABLE:
                raise
    failures = 0
    while True:
        response = client.get(f"{BASE}/tasks/{task_id}", headers=headers)
        if response.status_code in RETRYABLE:
            failures += 1
            if failures >= attempts:
                raise TranscriptionFailed(f"{response.status_code} {response.json().get('code')}")
            time.sleep(interval)
            continue
        if response.status_code != 200:
            raise TranscriptionFailed(f"{response.status_code} {response.json().get('code')}")
        output = response.json()["output"]
        status = output["task_status"]
        if status in ("SUCCEEDED", "FAILED") and output.get("results"):
            return [FileResult(r["file_url"], _text(client, r["transcription_url"]))
                    if r.get("subtask_status") == "SUCCEEDED"
                    else FileResult(r["file_url"], error=r.get("code", "FAILED")) for r in output["results"]]
        if status in ("FAILED", "CANCELED", "UNKNOWN"):
            raise TranscriptionFailed(output.get("code", status))
        time.sleep(interval)
