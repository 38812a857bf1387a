"""The OpenAPI document: valid OpenAPI 3.1, every operation with its bodies, errors and credentials."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from emulator.app import Emulator
from tests.conftest import Call


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
    from tests.conftest import magic
    from tests.test_control import submit

    ids = [submit(call, magic(f"第{i}。")) for i in range(5)]
    first = call("GET", "/_emulator/jobs", params={"order": "newest", "limit": "2"}).json()
    assert [j["id"] for j in first["jobs"]] == ids[::-1][:2] and first["total"] == 5 and first["next"] == "2"
    rest = call("GET", "/_emulator/jobs", params={"order": "newest", "limit": "5", "after": first["next"]}).json()
    assert [j["id"] for j in rest["jobs"]] == ids[::-1][2:] and rest["next"] is None
    assert first["jobs"][0]["vendor_phase"] in ("PENDING", "RUNNING", "SUCCEEDED")
    assert call("GET", "/_emulator/jobs", params={"limit": "x"}).status_code == 400
    assert call("GET", "/_emulator/jobs", params={"phase": "nope"}).status_code == 400
