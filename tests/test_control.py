from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Phase
from tests.conftest import ASYNC, AUTH, FIXTURES, SUBMIT, Call, caller, magic


def submit(call: Call, url: str) -> str:
    task_id: str = call("POST", SUBMIT, headers=ASYNC, json={"model": "paraformer-v2", "parameters": {},
                                                             "input": {"file_urls": [url]}}).json()["output"]["task_id"]
    return task_id


def test_health_reset_and_openapi(call: Call) -> None:
    assert call("GET", "/_emulator/health").json()["status"] == "ok"
    submit(call, magic("好。"))
    assert call("GET", "/_emulator/health").json()["jobs"] == 1
    assert call("POST", "/_emulator/reset").json() == {"status": "ok"}
    assert call("GET", "/_emulator/health").json()["jobs"] == 0
    paths = call("GET", "/_emulator/openapi.json").json()["paths"]
    assert "/api/v1/tasks/{task_id}" in paths and "post" in paths["/_emulator/jobs/{job_id}/{action}"]
    assert "post" in paths["/api/predict/{service}"] and set(paths["/asr_jobs"]) == {"get", "post"}
    assert "post" in paths["/?Action=SubmitTask"] and "post" in paths["/?Action=CreateRecTask"]
    assert paths["/api-ws/v1/inference"]["get"]["x-websocket"] is True


def test_manual_jobs_are_driven_by_the_control_plane(app: Emulator) -> None:
    call = caller(app)
    call("POST", "/_emulator/lifecycle", json={"policy": "manual", "vendor": "dashscope"})
    task_id = submit(call, magic("好。"))
    status = lambda: call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"]  # noqa: E731
    assert status() == "PENDING"
    assert call("POST", f"/_emulator/jobs/{task_id}/advance").json()["phase"] == "running"
    assert status() == "RUNNING"
    assert call("POST", f"/_emulator/jobs/{task_id}/pause").json()["phase"] == "paused"
    assert status() == "SUSPENDED"
    call("POST", f"/_emulator/jobs/{task_id}/resume")
    failed = call("POST", f"/_emulator/jobs/{task_id}/fail", json={"code": "SERVER_ERROR"})
    assert failed.json()["phase"] == "failed"
    out = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]
    assert out["task_status"] == "FAILED" and out["code"] == "SERVER_ERROR"
    again = call("POST", f"/_emulator/jobs/{task_id}/complete")
    assert again.status_code == 409 and "already ended" in again.json()["error"]
    assert call("POST", "/_emulator/jobs/nope/advance").status_code == 404
    assert call("POST", f"/_emulator/jobs/{task_id}/explode").status_code in (404, 409)


def test_clock_endpoint(call: Call) -> None:
    assert call("POST", "/_emulator/clock", json={"mode": "manual", "now": 1000}).json() == {"mode": "manual",
                                                                                              "now": 1000}
    assert call("POST", "/_emulator/clock", json={"advance": 5}).json()["now"] == 1005
    assert call("POST", "/_emulator/clock", json={"advance": -5}).status_code == 409
    assert call("POST", "/_emulator/clock", json={"mode": "sideways"}).status_code == 400


def test_scripts_and_media_upload_decide_the_text(call: Call) -> None:
    data = (FIXTURES / "silence.wav").read_bytes().replace(b"\0\0\0\0", b"\x10\x27\xf0\xd8")   # loud square-ish
    up = call("POST", "/_emulator/media?name=x.wav&text=上传的文本。", content=data).json()
    task_id = submit(call, up["url"])
    url = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["results"][0]["transcription_url"]
    assert call("GET", url).json()["transcripts"][0]["text"] == "上传的文本。"

    by_url = magic(duration=2)
    assert call("POST", "/_emulator/scripts", json={"text": "按地址。", "url": by_url}).status_code == 201
    task_id = submit(call, by_url)
    url = call("GET", f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["results"][0]["transcription_url"]
    assert call("GET", url).json()["transcripts"][0]["text"] == "按地址。"
    assert call("POST", "/_emulator/scripts", json={"text": "x"}).status_code == 400
    assert call("POST", "/_emulator/media", content=b"not audio").status_code == 415


def test_multipart_media_uploads_whole_or_cut(call: Call) -> None:
    wav = (FIXTURES / "hello_zh.wav").read_bytes()
    up = call("POST", "/_emulator/media", files={"file": ("a.wav", wav, "audio/wav")}, data={"text": "多部分。"})
    assert up.status_code == 201 and up.json()["size"] == len(wav)
    named = call("POST", "/_emulator/media", data={"url": "https://cdn.example.com/x.wav", "text": "你好。"})
    assert named.status_code == 201 and named.json()["url"] == "https://cdn.example.com/x.wav"
    cut = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF'
    answer = call("POST", "/_emulator/media", content=cut, headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 400 and "cut short" in answer.json()["error"]


def test_faults_endpoint_validates_and_lists(call: Call) -> None:
    bad = call("POST", "/_emulator/faults", json={"action": {"type": "explode"}})
    assert bad.status_code == 400 and "action.type" in bad.json()["error"]
    rule = call("POST", "/_emulator/faults", json={"match": {"operation": "query"}, "action": "throttle"}).json()
    rule_id = rule["rules"][0]["id"]
    resp = call("GET", "/api/v1/tasks/abc", headers=AUTH)
    assert resp.status_code == 429 and resp.json()["code"] == "Throttling.RateQuota"
    assert call("DELETE", f"/_emulator/faults/{rule_id}").status_code == 200
    assert call("GET", "/_emulator/faults").json()["rules"] == []


def test_journal_records_vendor_requests_with_test_ids(call: Call) -> None:
    task_id = submit(call, magic("好。"))
    call("GET", f"/api/v1/tasks/{task_id}", headers={**AUTH, "X-Test-Id": "t-42"})
    entries = call("GET", "/_emulator/journal?test_id=t-42").json()["entries"]
    assert [(e["operation"], e["job_id"], e["status"]) for e in entries] == [("query", task_id, 200)]
    assert call("GET", "/_emulator/journal?operation=submit").json()["entries"][0]["job_id"] == task_id


def test_jobs_listing_shows_neutral_records(app: Emulator) -> None:
    call = caller(app)
    task_id = submit(call, magic("好。"))
    [job] = call("GET", "/_emulator/jobs?vendor=dashscope").json()["jobs"]
    assert job["id"] == task_id and job["phase"] == Phase.SUCCEEDED.value
    assert job["items"][0]["transcript"]["channels"][0]["text"] == "好。"
    assert call("GET", "/_emulator/jobs/none").status_code == 404


def test_fault_rules_name_declared_vendors_and_operations(call: Call) -> None:
    typo = call("POST", "/_emulator/faults", json={"match": {"vendor": "dashscope", "operation": "sumbit"},
                                                   "action": "throttle"})
    assert typo.status_code == 400 and "operation for dashscope 'sumbit'" in typo.json()["error"]
    assert "did you mean submit" in typo.json()["error"] and "stream" in typo.json()["error"]
    vendor = call("POST", "/_emulator/faults", json={"match": {"vendor": "dashscop"}, "action": "throttle"})
    assert vendor.status_code == 400 and "did you mean dashscope" in vendor.json()["error"]
    ok = call("POST", "/_emulator/faults", json={"match": {"vendor": "nls", "operation": "SubmitTask"},
                                                 "action": "throttle"})
    assert ok.status_code == 201


def test_settings_and_reset_refuse_unknown_keys_with_the_closest_names(call: Call) -> None:
    typo = call("POST", "/_emulator/settings", json={"rate_limit": True})
    assert typo.status_code == 400 and "did you mean rate_limits" in typo.json()["error"]
    assert call("POST", "/_emulator/settings", json={"rate_limits": "maybe"}).status_code == 400
    bad = call("POST", "/_emulator/reset", json={"lifecycle": "polls:2", "faults": [{"match": {"vendor": "nope"},
                                                                                   "action": "throttle"}]})
    assert bad.status_code == 400
    assert call("GET", "/_emulator/lifecycle").json()["overrides"] == {}      # nothing changed


def test_reset_configures_in_one_step_and_can_keep_jobs(call: Call) -> None:
    submit(call, magic("好。"))
    done = call("POST", "/_emulator/reset", json={
        "scope": "overrides", "lifecycle": "polls:2", "settings": {"seed": 3, "nls": {"strict_urls": True}},
        "faults": [{"match": {"vendor": "dashscope", "operation": "query"}, "action": {"type": "throttle"}}]})
    assert done.json() == {"status": "ok"}
    assert call("GET", "/_emulator/health").json()["jobs"] == 1          # overrides only: the job stays
    assert call("GET", "/_emulator/lifecycle").json()["overrides"] == {"": "polls:2"}
    settings = call("GET", "/_emulator/settings").json()
    assert settings["seed"] == 3 and settings["nls"]["strict_urls"] is True
    assert len(call("GET", "/_emulator/faults").json()["rules"]) == 1
    call("POST", "/_emulator/reset")
    assert call("GET", "/_emulator/health").json()["jobs"] == 0
    assert call("GET", "/_emulator/settings").json()["nls"]["strict_urls"] is False


def test_a_control_token_locks_everything_but_health() -> None:
    from emulator.testing import ControlClient
    from emulator.testing.bridge import AppThread

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False, control_token="s3cret"))
    locked = caller(app)
    assert locked("GET", "/_emulator/health").status_code == 200
    for method, path in [("GET", "/_emulator/jobs"), ("POST", "/_emulator/reset"), ("GET", "/_emulator/settings"),
                         ("POST", "/_emulator/faults"), ("GET", "/_emulator/journal"),
                         ("GET", "/_emulator/openapi.json")]:
        refused = locked(method, path)
        assert refused.status_code == 401 and "locked" in refused.json()["error"], path
        assert locked(method, path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert locked("GET", "/_emulator/jobs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert locked("GET", "/api/v1/tasks", headers=AUTH).status_code == 200          # vendor routes unaffected
    thread = AppThread(app)
    try:
        import os

        os.environ["ASR_EMULATOR_CONTROL_TOKEN"] = "s3cret"
        try:
            client = ControlClient("http://emulator.local", transport=thread.control)
        finally:
            del os.environ["ASR_EMULATOR_CONTROL_TOKEN"]
        assert client.jobs() == []                      # the client took the token from the environment
        client.close()
    finally:
        thread.close()


def test_a_locked_server_still_serves_the_downloads_it_links_to() -> None:
    """Fixtures and uploaded media are fetched by any client from the links the emulator gives out (an example's
    fixture URL, a Files API file's url), as the services' signed links are: the control token does not lock them.
    Uploading stays locked."""
    app = Emulator(Settings(lifecycle="instant", control_token="s3cret"))
    locked = caller(app)
    fixture = locked("GET", "/_emulator/fixtures/hello_zh.wav")
    assert fixture.status_code == 200 and fixture.content[:4] == b"RIFF"
    assert locked("GET", "/_emulator/fixtures").status_code == 200
    assert locked("POST", "/_emulator/media", content=b"RIFF").status_code == 401
    uploaded = locked("POST", "/_emulator/media?name=a.wav", content=fixture.content,
                      headers={"Authorization": "Bearer s3cret"}).json()
    path = uploaded["url"].split("//", 1)[1].split("/", 1)[1]
    assert locked("GET", "/" + path).content == fixture.content


def test_result_links_cannot_be_forged_on_a_locked_server() -> None:
    open_app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    locked_app = Emulator(Settings(lifecycle="instant", load_fixtures=False, control_token="s3cret"))
    links = []
    for app in (open_app, locked_app):
        call = caller(app)
        task = submit(call, magic("好。"))
        url = call("GET", f"/api/v1/tasks/{task}", headers=AUTH).json()["output"]["results"][0]["transcription_url"]
        links.append(url.split("Signature=")[1])
    assert links[0] != links[1]                         # not the seed-0 key a stranger can compute


def test_fetch_deadline_is_a_setting(call: Call) -> None:
    assert call("GET", "/_emulator/settings").json()["fetch_deadline"] == 60.0
    assert call("POST", "/_emulator/settings", json={"fetch_deadline": 2.5}).json()["fetch_deadline"] == 2.5
    for bad in (0, -1, "5", True, 10_000):
        assert call("POST", "/_emulator/settings", json={"fetch_deadline": bad}).status_code == 400
    call("POST", "/_emulator/reset")
    assert call("GET", "/_emulator/settings").json()["fetch_deadline"] == 60.0
    assert Settings.from_env({"ASR_EMULATOR_FETCH_DEADLINE": "7"}).engine_config().fetch_deadline == 7.0


def test_the_configuration_page_lists_every_lenient_rule(call: Call) -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text("utf-8")
    table = page.split("<!-- lenient-rules -->", 1)[1].split("\n\n", 1)[0]
    rows = {tuple(cell.strip().strip("`") for cell in line.strip("|").split("|"))
            for line in table.strip().splitlines()[2:]}
    declared = {(r["vendor"], r["rule"], r["accepts"], r["vendor_code"])
                for r in call("GET", "/_emulator/warnings").json()["rules"]}
    assert rows == declared
