"""A recording-file recognizer over Tencent Cloud ASR API 3.0 with the vendor's SDK: create the task, poll it,
return the text.

``recognize_naive`` has a real, plausible bug: any ``TencentCloudSDKException`` while polling ends the work, so a
burst of ``RequestLimitExceeded`` (20 requests a second per account, shared by every worker) loses a task that was
running fine. ``recognize`` is the fixed version: throttling and internal errors are retried with a backoff, the
task's own failure is reported as such.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tencentcloud.asr.v20190614 import models
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

RETRYABLE = {"RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError"}


class RecognitionFailed(Exception):
    pass


def _create(client: Any, url: str) -> int:
    request = models.CreateRecTaskRequest()
    request.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0,
                                         "SourceType": 0, "Url": url}))
    task_id: int = client.CreateRecTask(request).Data.TaskId
    return task_id


def _status(client: Any, task_id: int) -> Any:
    request = models.DescribeTaskStatusRequest()
    request.TaskId = task_id
    return client.DescribeTaskStatus(request).Data


def _text(result: str) -> str:
    return "".join(line.split("]  ", 1)[1] for line in result.splitlines() if "]  " in line)


def recognize_naive(client: Any, url: str, interval: float = 0.0) -> str:
    try:
        task_id = _create(client, url)
        while True:
            status = _status(client, task_id)
            if status.Status == 2:
                return _text(status.Result)
            if status.Status == 3:
                raise RecognitionFailed(status.ErrorMsg)
            time.sleep(interval)
    except TencentCloudSDKException as exc:
        raise RecognitionFailed(exc.get_code()) from exc


def _retrying(call: Any, attempts: int, interval: float) -> Any:
    for attempt in range(attempts):
        try:
            return call()
        except TencentCloudSDKException as exc:
            if exc.get_code() not in RETRYABLE or attempt == attempts - 1:
                raise RecognitionFailed(exc.get_code()) from exc
            time.sleep(interval * 2 ** attempt)
    raise AssertionError("unreachable")


def recognize(client: Any, url: str, interval: float = 0.0, attempts: int = 8) -> str:
    task_id = _retrying(lambda: _create(client, url), attempts, interval)
    while True:
        status = _retrying(lambda: _status(client, task_id), attempts, interval)
        if status.Status == 2:
            return _text(status.Result)
        if status.Status == 3:
            raise RecognitionFailed(status.ErrorMsg)
        time.sleep(interval)
