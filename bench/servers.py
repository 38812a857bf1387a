"""Servers the benchmark loads: a bare Starlette endpoint (the baseline), the emulator with N stored DashScope tasks,
and the emulator answering signed NLS GetTaskResult calls.

Run as ``python -m bench.servers {bare|bare-ws|emulator|nls} PORT HTTP LOOP [JOBS]``; prints ``ready <task id or
path>`` when it listens.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Job, Phase

KEY = "sk-bench-key-0001"
BODY = {"request_id": "00000000-0000-4000-8000-000000000000", "output": {
    "task_id": "00000000-0000-4000-8000-000000000001", "task_status": "SUCCEEDED",
    "submit_time": "2026-01-01 00:00:00.000", "scheduled_time": "2026-01-01 00:00:00.000",
    "end_time": "2026-01-01 00:00:01.000", "results": [{
        "file_url": "http://media.asr-emulator.test/a.wav",
        "transcription_url": "http://127.0.0.1:1/dashscope-result/x/0.json?Expires=1&Signature=abc",
        "subtask_status": "SUCCEEDED"}], "task_metrics": {"TOTAL": 1, "SUCCEEDED": 1, "FAILED": 0}},
    "usage": {"duration": 3}}


def bare() -> Starlette:
    async def task(request: Request) -> JSONResponse:
        return JSONResponse(BODY)

    return Starlette(routes=[Route("/api/v1/tasks/{task_id}", task, methods=["GET", "POST"])])


def bare_ws() -> Starlette:
    """The realtime baseline: the same WebSocket exchange with no recognition (task-started, frames read,
    task-finished)."""
    async def inference(ws: WebSocket) -> None:
        await ws.accept()
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect" or message.get("text") is None:
                if message["type"] == "websocket.disconnect":
                    return
                continue
            header = json.loads(message["text"])["header"]
            event = "task-started" if header["action"] == "run-task" else "task-finished"
            payload = {} if event == "task-started" else {"output": {}, "usage": None}
            await ws.send_text(json.dumps({"header": {"task_id": header["task_id"], "event": event,
                                                      "attributes": {}}, "payload": payload}))

    return Starlette(routes=[WebSocketRoute("/api-ws/v1/inference", inference)])


def emulator(jobs: int) -> tuple[Emulator, str]:
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    engine = app.engine
    template = _submit_one(app)
    for i in range(jobs - 1):
        engine.store.put_job(Job(
            id=f"bench-{i:08d}", vendor=template.vendor, model=template.model, owner=KEY, items=template.items,
            policy=template.policy, created_at=template.created_at, record=copy.copy(template.record),
            phase=Phase.SUCCEEDED,
            phase_times=dict(template.phase_times)))
    return app, template.id


def _submit_one(app: Emulator) -> Job:
    from emulator.engine import FetchLimits, Options
    from emulator.vendors.dashscope.routes import TaskRecord

    return asyncio.run(app.engine.submit(
        vendor="dashscope", model="paraformer-v2", owner=KEY, job_id=app.engine.new_id(),
        sources=["http://media.asr-emulator.test/a.wav?duration=3&text=你好。今天天气很好。"], options=Options(),
        limits=FetchLimits(max_bytes=10**8), record=TaskRecord(app.engine.new_id())))


def nls_query(jobs: int) -> tuple[Emulator, str]:
    """The emulator with a finished filetrans task (and ``jobs - 1`` others), and a GetTaskResult path signed with
    RPC v1 by the built-in AccessKey pair: every request is verified (permissive mode replays a signed URL)."""
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    task_id = asyncio.run(_nls_submit(app))
    for i in range(jobs - 1):
        app.engine.store.put_job(Job(id=f"bench-{i:08d}", vendor="nls", model="m", owner=NLS_AKID, items=[],
                                     policy="instant", created_at=0.0, phase=Phase.QUEUED))
    return app, signed_pop_path("GET", {"Action": "GetTaskResult", "TaskId": task_id})


NLS_AKID, NLS_SECRET = "asr-emulator-akid", "asr-emulator-secret"
NLS_TASK = ('{"appkey": "asr-emulator-appkey", "version": "4.0", "enable_words": true, '
            '"file_link": "http://media.asr-emulator.test/a.wav?duration=3&text=%E4%BD%A0%E5%A5%BD%E3%80%82"}')


def signed_pop_path(method: str, params: dict[str, str], form: dict[str, str] | None = None) -> str:
    from urllib.parse import urlencode

    from emulator.vendors.nls.auth import rpc_signature, rpc_string_to_sign

    query = {"Version": "2018-08-17", "Format": "JSON", "RegionId": "cn-shanghai", "Timestamp": "2026-01-01T00:00:00Z",
             "SignatureMethod": "HMAC-SHA1", "SignatureType": "", "SignatureVersion": "1.0",
             "SignatureNonce": "0" * 32, "AccessKeyId": NLS_AKID, **params}
    query["Signature"] = rpc_signature(NLS_SECRET, rpc_string_to_sign(method, {**query, **(form or {})}))
    return "/?" + urlencode(query)


async def _nls_submit(app: Emulator) -> str:
    import json

    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        resp = await client.post(signed_pop_path("POST", {"Action": "SubmitTask"}, {"Task": NLS_TASK}),
                                 data={"Task": NLS_TASK})
    task_id: str = json.loads(resp.content)["TaskId"]
    return task_id


def main() -> None:
    kind, port, http, loop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if kind == "bare":
        app: object = bare()
        task_id = "00000000-0000-4000-8000-000000000001"
    elif kind == "bare-ws":
        app, task_id = bare_ws(), "/api-ws/v1/inference"
    elif kind == "nls":
        app, task_id = nls_query(int(sys.argv[5]))
    else:
        app, task_id = emulator(int(sys.argv[5]))
    if kind not in ("bare", "bare-ws"):          # the emulator with its own protocol classes, as serve runs it
        from emulator.protocol import protocol_class

        http = protocol_class(http)
    # the event loop as ``serve --loop`` runs it (uvicorn's Server.run makes it), for the baseline and the emulator
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                            loop=loop, http=http)
    server = uvicorn.Server(config)

    def ready() -> None:
        while not server.started:
            time.sleep(0.01)
        print(f"ready {task_id}", flush=True)

    threading.Thread(target=ready, daemon=True).start()
    server.run()


if __name__ == "__main__":
    main()


EAS_TOKEN = "asr-emulator-eas-token"


def eas_predict() -> tuple[Emulator, str, bytes, dict[str, str]]:
    """An emulator, a PAI-EAS predict path, its body and headers signed as eas-prediction signs them."""
    from emulator.vendors.eas.gateway import eas_signature, string_to_sign

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    path = "/api/predict/asr_general_express"
    body = json.dumps({"input": {"url": "http://media.asr-emulator.test/a.wav?duration=3&text=%E4%BD%A0%E5%A5%BD"}})
    data = body.encode()
    date = "Thu, 01 Jan 2026 00:00:00 GMT"
    signature = eas_signature(EAS_TOKEN, string_to_sign("POST", data, "application/octet-stream", date, path))
    return app, path, data, {"Content-Type": "application/octet-stream", "Date": date,
                             "Content-Length": str(len(data)), "Authorization": f"EAS {signature}"}


def tencent_describe() -> tuple[Emulator, bytes, dict[str, str]]:
    """An emulator with one finished ASR API 3.0 task, and a TC3-signed DescribeTaskStatus for it."""
    import time

    from emulator.vendors.tencent import catalogue as tc
    from emulator.vendors.tencent.tc3 import canonical_request, signature, utc_date

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))

    def signed(action: str, body: bytes) -> dict[str, str]:
        ts = int(time.time())
        headers = {"content-type": "application/json", "host": "127.0.0.1:8000"}
        sig = signature(tc.DEFAULT_SECRET_KEY, str(ts), utc_date(ts), "asr",
                        canonical_request("POST", "/", "", headers, ("content-type", "host"), body))
        return {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-TC-Action": action,
                "X-TC-Version": tc.ASR_VERSION, "X-TC-Timestamp": str(ts),
                "Authorization": f"TC3-HMAC-SHA256 Credential={tc.DEFAULT_SECRET_ID}/{utc_date(ts)}/asr/tc3_request, "
                                 f"SignedHeaders=content-type;host, Signature={sig}"}

    create = json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 2, "SourceType": 0,
                         "Url": "http://media.asr-emulator.test/a.wav?duration=3&text=%E4%BD%A0%E5%A5%BD"}).encode()

    async def make() -> int:
        import httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            r = await client.post("/", content=create, headers=signed("CreateRecTask", create))
            return int(r.json()["Response"]["Data"]["TaskId"])

    task_id = asyncio.run(make())
    body = json.dumps({"TaskId": task_id}).encode()
    return app, body, signed("DescribeTaskStatus", body)


def ci_get_job() -> tuple[Emulator, str, dict[str, str]]:
    """An emulator with one finished CI speech job, and a COS-signed GET of it."""
    import time

    from emulator.vendors.tencent import catalogue as tc
    from emulator.vendors.tencent.cos_auth import http_string, sign

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    host = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"

    def signed(method: str, path: str, body: bytes = b"") -> dict[str, str]:
        headers = {"content-type": "application/xml", "host": host}
        if method == "POST":
            headers["content-length"] = str(len(body))
        t = f"{int(time.time()) - 60};{int(time.time()) + 10000}"
        sig = sign(tc.DEFAULT_SECRET_KEY, t, t, http_string(method, path, {}, (), headers))
        auth = (f"q-sign-algorithm=sha1&q-ak={tc.DEFAULT_SECRET_ID}&q-sign-time={t}&q-key-time={t}"
                f"&q-header-list={';'.join(sorted(headers))}&q-url-param-list=&q-signature={sig}")
        return {**{k.title(): v for k, v in headers.items()}, "Host": host, "Authorization": auth}

    body = (b"<Request><Tag>SpeechRecognition</Tag><Input><Url>http://media.asr-emulator.test/a.wav?duration=3"
            b"</Url></Input><Operation><Output><Bucket>examplebucket-1250000000</Bucket><Region>ap-guangzhou</Region>"
            b"<Object>o.txt</Object></Output><SpeechRecognition><EngineModelType>16k_zh</EngineModelType>"
            b"<ChannelNum>1</ChannelNum><ResTextFormat>1</ResTextFormat></SpeechRecognition></Operation>"
            b"<QueueId>p00000000000000000000000000000000</QueueId></Request>")

    async def make() -> str:
        import httpx

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            r = await client.post("/asr_jobs", content=body, headers=signed("POST", "/asr_jobs", body))
            return r.text.split("<JobId>")[1].split("</JobId>")[0]

    job_id = asyncio.run(make())
    path = f"/asr_jobs/{job_id}"
    return app, path, signed("GET", path)
