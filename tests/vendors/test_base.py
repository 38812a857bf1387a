"""The dialect contract's test, and the template for a new vendor: a toy dialect of ~60 lines run by the one
pipeline inside a real emulator. Copy ``Toy`` to start a vendor (see CONTRIBUTING.md)."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from emulator.app import Emulator
from emulator.cli import route_lines
from emulator.config import Settings
from emulator.engine import FetchLimits, Options, Rule
from emulator.engine.core import RequestFault
from emulator.vendors import registry
from emulator.vendors.base import Call, Dialect, Operation, VendorError
from tests.conftest import Call as Caller
from tests.conftest import caller

# ---- the template -------------------------------------------------------------------------------------------------

class ToyError(VendorError):
    """Every dialect has one error class, rendered by its ``error_response``."""


class Toy(Dialect):
    name = "toy"
    title = "Toy speech API"
    hosts = (r"toy\.example\.com",)
    body_limit = 64

    def operations(self) -> list[Operation]:
        return [
            Operation("submit", "Submit a job", self.submit, ("POST",), "/toy/jobs"),
            Operation("query", "Query a job", self.query, ("GET",), "/toy/jobs/{job_id}"),
            Operation("boom", "A handler with a bug", self.boom, ("GET",), "/toy/boom", auth=False),
        ]

    def claims(self, scope: Scope) -> bool:
        return str(scope.get("path", "")).startswith("/toy/")

    async def authenticate(self, call: Call) -> str:
        key = call.request.headers.get("x-toy-key", "")
        verdict = self.engine.credentials.verdict(self.name, key, well_formed=lambda k: k.startswith("toy-"))
        if verdict.check and verdict.refused:
            raise ToyError("Unauthorized", "bad key", 401)
        return key

    def error_response(self, call: Call, exc: VendorError) -> Response:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    def internal_error(self, exc: BaseException) -> VendorError:
        return ToyError("Internal", "toy service error", 500)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return ToyError(fault.code or "Internal", fault.message, fault.status or 503)

    async def submit(self, call: Call) -> Response:
        job = await self.engine.submit(vendor=self.name, model="toy-1", owner=call.account, job_id=self.engine.new_id(),
                                       sources=[call.body.decode()], options=Options(), limits=FetchLimits(1 << 20))
        call.note(job_id=job.id)
        return JSONResponse({"id": job.id})

    async def query(self, call: Call) -> Response:
        job = self.engine.read(call.params["job_id"])
        if job is None or job.owner != call.account:
            raise ToyError("NotFound", "no such job", 404)
        return JSONResponse({"id": job.id, "phase": job.phase.value})

    async def boom(self, call: Call) -> Response:
        raise RuntimeError("a bug in a handler")


# ---- the contract, through the toy ----------------------------------------------------------------------------------

@pytest.fixture
def toy() -> Emulator:
    return Emulator(Settings(lifecycle="instant", load_fixtures=False), dialects=[*registry.DIALECTS, Toy])


@pytest.fixture
def call(toy: Emulator) -> Caller:
    return caller(toy)


KEY = {"x-toy-key": "toy-local"}
SPEECH = "http://media.asr-emulator.test/a.wav?text=hi."


def test_a_toy_dialect_runs_through_the_pipeline(toy: Emulator, call: Caller) -> None:
    job_id = call("POST", "/toy/jobs", content=SPEECH, headers=KEY).json()["id"]
    assert call("GET", f"/toy/jobs/{job_id}", headers=KEY).json() == {"id": job_id, "phase": "succeeded"}
    entry = toy.engine.journal.entries(vendor="toy")[0]
    assert (entry.operation, entry.job_id, entry.status) == ("submit", job_id, 200)
    assert call("GET", f"/toy/jobs/{job_id}", headers={"x-toy-key": "toy-other"}).status_code == 404


def test_the_pipeline_refuses_in_the_dialects_words(toy: Emulator, call: Caller) -> None:
    assert call("GET", "/toy/jobs/x", headers={"x-toy-key": "nope"}).json() == {
        "error": {"code": "Unauthorized", "message": "bad key"}}
    too_big = call("POST", "/toy/jobs", content="x" * 65, headers=KEY)
    assert too_big.status_code == 413 and "RequestTooLarge" in too_big.text
    toy.engine.faults.add(Rule.from_json({"match": {"vendor": "toy", "operation": "query"},
                                          "action": {"type": "error", "code": "Busy"}}))
    busy = call("GET", "/toy/jobs/x", headers=KEY)
    assert (busy.status_code, busy.json()["error"]["code"]) == (503, "Busy")
    lost = call("GET", "/toy/nowhere")
    assert lost.status_code == 404 and "/toy/jobs" in lost.json()["closest_routes"]


def test_a_bug_answers_the_internal_error_envelope_and_logs_its_traceback(
        toy: Emulator, call: Caller, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="asr_emulator"):
        answer = call("GET", "/toy/boom")
    assert (answer.status_code, answer.json()) == (500, {"error": {"code": "Internal", "message": "toy service error"}})
    record = next(r for r in caplog.records if "RuntimeError" in r.getMessage())
    assert record.exc_info is not None and "a bug in a handler" in str(record.exc_info[1])
    error = toy.engine.journal.entries(vendor="toy")[-1].error or ""
    assert error.startswith("RuntimeError: a bug in a handler at ") and "test_base.py" in error


def test_the_registry_feeds_routes_openapi_and_in_process_hosts(toy: Emulator, call: Caller) -> None:
    paths = call("GET", "/_emulator/openapi.json").json()["paths"]
    assert paths["/toy/jobs/{job_id}"]["get"]["operationId"] == "toy_query_get"
    from emulator.testing.inprocess import vendor_hosts

    assert ("Toy speech API", r"toy\.example\.com") in vendor_hosts(toy)
    assert call("GET", "/_emulator/health").json()["vendors"][-1] == "toy"


def test_routes_lists_every_vendor_operation() -> None:
    lines = route_lines()
    text = "\n".join(lines)
    for expected in ("Action=SubmitTask", "Action=CreateRecTask", "/api/predict/{service:path}", "/asr_jobs",
                     "/{key:path}", "WEBSOCKET", "/api-ws/v1/inference", "/_emulator/health"):
        assert expected in text
    assert all(len(line.split()) >= 3 for line in lines)


def test_a_real_dialect_bug_gets_the_vendors_internal_error(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    from emulator.vendors.dashscope import routes

    def broken(*args: object) -> None:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(routes, "_list_time", broken)
    app = Emulator(Settings(load_fixtures=False))
    with caplog.at_level(logging.ERROR, logger="asr_emulator"):
        answer = caller(app)("GET", "/api/v1/tasks", headers={"Authorization": "Bearer sk-asr-emulator-local"})
    body = answer.json()
    assert answer.status_code == 500 and body["code"] == "InternalError" and "(RuntimeError)" in body["message"]
    assert any(r.exc_info and "renderer bug" in str(r.exc_info[1]) for r in caplog.records)
    entry = app.engine.journal.entries(vendor="dashscope")[-1]
    assert entry.code == "InternalError"
    assert (entry.error or "").startswith("RuntimeError: renderer bug at tests/vendors/test_base.py")


def test_claims_come_from_the_dialects_in_registry_order() -> None:
    app = Emulator(Settings(load_fixtures=False))
    assert [d.name for d in app.dialects] == ["tencent_ci", "tencent_asr", "tencent_flash", "tencent_realtime",
                                              "nls_gateway", "nls", "eas", "dashscope"]
    scope = {"type": "http", "path": "/", "query_string": b"", "headers": [(b"x-tc-action", b"CreateRecTask")]}
    assert [d.name for d in app.dialects if d.claims(scope)] == ["tencent_asr"]


# every vendor's request reaching its dialect, and what its internal-error envelope must contain
BUGGED = [
    ("dashscope", "GET", "/api/v1/tasks", {}, 500, '"code":"InternalError"'),
    ("nls", "GET", "/?Action=GetTaskResult&Version=2018-08-17", {}, 500, '"Code":"InternalError"'),
    ("eas", "POST", "/api/predict/asr_general_express", {}, 500, "Internal Server Error"),
    ("tencent_asr", "POST", "/", {"X-TC-Action": "DescribeTaskStatus"}, 200, '"Code": "InternalError"'),
    ("tencent_ci", "GET", "/asr_jobs", {}, 500, "<Code>InternalError</Code>"),
    ("nls_gateway", "POST", "/stream/v1/asr?appkey=asr-emulator-appkey", {"X-NLS-Token": "t"}, 500,
     '"status":50000000'),
]


@pytest.mark.parametrize(("vendor", "method", "path", "headers", "status", "envelope"), BUGGED,
                         ids=[b[0] for b in BUGGED])
def test_every_dialects_bug_is_logged_and_answered_in_its_envelope(
        vendor: str, method: str, path: str, headers: dict[str, str], status: int, envelope: str,
        caplog: pytest.LogCaptureFixture) -> None:
    app = Emulator(Settings(load_fixtures=False, credentials="off"))
    dialect = app.dialect(vendor)

    async def broken(call: Call) -> str:
        raise RuntimeError(f"{vendor} bug")

    dialect.authenticate = broken      # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="asr_emulator"):
        answer = caller(app)(method, path, headers=headers)
    assert answer.status_code == status and envelope in answer.text
    assert f"{vendor} bug" not in answer.text and "Traceback" not in answer.text
    assert any(r.exc_info and f"{vendor} bug" in str(r.exc_info[1]) for r in caplog.records)
    entry = app.engine.journal.entries(vendor=vendor)[-1]
    assert (entry.error or "").startswith(f"RuntimeError: {vendor} bug at tests/vendors/test_base.py")


def test_server_headers_are_the_vendors_where_recorded() -> None:
    from emulator.testing import LiveServer

    with LiveServer(Settings(load_fixtures=False)) as server, httpx.Client(trust_env=False) as client:
        def server_of(path: str, **headers: str) -> list[str]:
            return client.get(f"{server.url}{path}", headers=headers).headers.get_list("server")

        assert server_of("/api/v1/tasks", Authorization="Bearer sk-x") == ["istio-envoy"]
        assert server_of("/asr_jobs", Host="b-1250000000.ci.ap-guangzhou.myqcloud.com") == ["tencent-ci"]
        assert server_of("/k", Host="b-1250000000.cos.ap-guangzhou.myqcloud.com") == ["tencent-cos"]
        assert server_of("/_emulator/health") == ["asr-emulator"]          # never uvicorn's
