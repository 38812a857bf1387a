"""The OpenAPI document: valid OpenAPI 3.1, every operation with its bodies, errors and credentials."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from emulator.app import Emulator
from emulator.testing.server import ServerProcess
from tests.conftest import ASYNC, SUBMIT, Call, magic


@pytest.fixture
def doc(call: Call) -> dict[str, Any]:
    body: dict[str, Any] = call("GET", "/_emulator/openapi.json").json()
    return body


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(doc)
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_every_declared_operation_is_described(app: Emulator, doc: dict[str, Any]) -> None:
    entries = [op for item in doc["paths"].values() for op in item.values()]
    for dialect, operation in app.operations():     # its own entry, or named in the one it shares (EAS enqueue)
        if operation.summary:
            assert any(dialect.name in op["tags"] and f"`{operation.name}`" in op["description"] for op in entries)
    assert sum("control" in op["tags"] for op in entries) >= 25
    # actions that share "/" are described one by one, and so are the queries that tell operations apart
    for path in ("/?Action=SubmitTask", "/?Action=GetTaskResult", "/?Action=CreateRecTask",
                 "/?Action=DescribeTaskStatus", "/{key}?uploads", "/{key}?uploadId",
                 "/api/predict/{service}?_attrs_=true"):
        assert path in doc["paths"], path


def test_control_routes_have_typed_bodies(doc: dict[str, Any]) -> None:
    faults = doc["paths"]["/_emulator/faults"]
    assert faults["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewFaults"}
    assert doc["paths"]["/_emulator/jobs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JobList"}
    action = doc["components"]["schemas"]["FaultAction"]
    assert "fail_job" in action["properties"]["type"]["enum"]
    assert doc["paths"]["/_emulator/health"]["get"]["security"] == []
    assert {"controlToken": []} in doc["paths"]["/_emulator/reset"]["post"]["security"]


def test_vendor_errors_and_credentials(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert {"controlToken", "dashscope", "nls", "tencent_asr", "tencent_ci", "eas"} <= set(schemes)
    submit = doc["paths"]["/api/v1/services/audio/asr/transcription"]["post"]
    assert submit["security"] == [{"dashscope": []}]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["required"] == ["model", "input"]
    assert submit["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/dashscope_error"}
    ci = doc["paths"]["/asr_jobs"]["post"]
    assert "application/xml" in ci["responses"]["default"]["content"]
    assert "QueueId" in ci["requestBody"]["content"]["application/xml"]["schema"]["required"]
    ws = doc["paths"]["/api-ws/v1/inference"]["get"]
    assert ws["x-websocket"] is True and "run-task" in ws["x-websocket-messages"]["description"]


def test_jobs_page_newest_first(call: Call) -> None:
    from tests.test_control import submit

    ids = [submit(call, magic(f"第{i}。")) for i in range(5)]
    first = call("GET", "/_emulator/jobs", params={"order": "newest", "limit": "2"}).json()
    assert [j["id"] for j in first["jobs"]] == ids[::-1][:2] and first["total"] == 5 and first["next"] == "2"
    rest = call("GET", "/_emulator/jobs", params={"order": "newest", "limit": "5", "after": first["next"]}).json()
    assert [j["id"] for j in rest["jobs"]] == ids[::-1][2:] and rest["next"] is None
    assert first["jobs"][0]["vendor_phase"] in ("PENDING", "RUNNING", "SUCCEEDED")
    assert call("GET", "/_emulator/jobs", params={"limit": "x"}).status_code == 400
    assert call("GET", "/_emulator/jobs", params={"phase": "nope"}).status_code == 400


def test_a_client_generated_from_it_adds_a_fault_and_lists_jobs(tmp_path: Path, doc: dict[str, Any]) -> None:
    """openapi-python-client turns the document into a typed client; it drives a live emulator."""
    (tmp_path / "openapi.json").write_text(json.dumps(doc))
    tool = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run([str(tool), "generate", "--path", "openapi.json", "--meta", "none", "--output-path",
                           "asr_client"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (tmp_path / "asr_client" / "api" / "control").is_dir(), done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        from asr_client import AuthenticatedClient  # type: ignore[import-not-found]
        from asr_client.api.control import (  # type: ignore[import-not-found]
            control_faults_get,
            control_faults_post,
            control_jobs_get,
        )
        from asr_client.models import (  # type: ignore[import-not-found]
            AddedFaults,
            FaultAction,
            FaultActionType,
            FaultMatch,
            FaultRule,
            JobList,
        )

        with ServerProcess() as server, AuthenticatedClient(base_url=server.url, token="no-token-is-set") as client:
            rule = FaultRule(action=FaultAction(type_=FaultActionType.THROTTLE),
                             match=FaultMatch(vendor="dashscope", operation="submit", times=1))
            added = control_faults_post.sync(client=client, body=rule)
            assert isinstance(added, AddedFaults) and added.rules[0].action == "throttle" and added.rules[0].id
            listed = control_faults_get.sync(client=client)
            assert [r.operation for r in listed.rules] == ["submit"]
            submitted = httpx.post(f"{server.url}{SUBMIT}", headers=ASYNC, trust_env=False, json={
                "model": "paraformer-v2", "input": {"file_urls": [magic("你好。")]}})
            assert submitted.status_code == 429                     # the fault the client added
            httpx.post(f"{server.url}{SUBMIT}", headers=ASYNC, trust_env=False, json={
                "model": "paraformer-v2", "input": {"file_urls": [magic("你好。")]}})
            jobs = control_jobs_get.sync(client=client, vendor="dashscope")
            assert isinstance(jobs, JobList) and jobs.total == 1 and jobs.jobs[0].model == "paraformer-v2"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "asr_client" or m.startswith("asr_client.")]:
            del sys.modules[name]


def test_control_answers_match_their_schemas(call: Call, doc: dict[str, Any]) -> None:
    """What the control plane answers is what the document says it answers."""
    from jsonschema import Draft202012Validator

    def check(method: str, path: str, template: str | None = None, **kwargs: Any) -> dict[str, Any]:
        r = call(method, path, **kwargs)
        entry = doc["paths"][template or path][method.lower()]
        answer = entry["responses"][str(r.status_code)]["content"]["application/json"]["schema"]
        Draft202012Validator({**answer, "components": doc["components"]}).validate(r.json())
        body: dict[str, Any] = r.json()
        return body

    from tests.test_control import submit

    call("POST", "/_emulator/lifecycle", json={"policy": "manual"})
    job_id = submit(call, magic("你好。"))
    check("GET", "/_emulator/health")
    check("POST", "/_emulator/clock", json={"mode": "manual"})
    check("POST", "/_emulator/lifecycle", json={"policy": "manual", "vendor": "nls"})
    check("GET", "/_emulator/settings")
    check("GET", "/_emulator/jobs", params={"order": "newest", "limit": "1"})
    check("GET", f"/_emulator/jobs/{job_id}", "/_emulator/jobs/{job_id}")
    check("POST", f"/_emulator/jobs/{job_id}/complete", "/_emulator/jobs/{job_id}/{action}")
    ended = check("POST", f"/_emulator/jobs/{job_id}/pause", "/_emulator/jobs/{job_id}/{action}")
    assert "ended" in ended["error"]
    check("POST", "/_emulator/faults", json={"match": {"vendor": "nls"}, "action": "throttle"})
    check("GET", "/_emulator/faults")
    check("POST", "/_emulator/scripts", json={"text": "好。", "url": magic()})
    check("GET", "/_emulator/journal")
    check("GET", "/_emulator/callbacks")
    check("GET", "/_emulator/warnings")
    check("GET", "/_emulator/fixtures")
    check("POST", "/_emulator/reset", json={"lifecycle": "instant"})
    error = check("POST", "/_emulator/faults", json={"action": "explode"})
    assert "action.type" in error["error"]
