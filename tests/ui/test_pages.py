"""The dashboard's pages without a browser: what they show, what they escape, who may see them."""

from __future__ import annotations

from pathlib import Path

import httpx

from emulator.app import Emulator
from emulator.config import Settings
from tests.conftest import ASYNC, SUBMIT, Call, caller, magic


def submit(call: Call, url: str, test_id: str | None = None) -> str:
    headers = {**ASYNC, **({"X-Test-Id": test_id} if test_id else {})}
    task_id: str = call("POST", SUBMIT, headers=headers, json={
        "model": "paraformer-v2", "input": {"file_urls": [url]}}).json()["output"]["task_id"]
    return task_id


def test_the_jobs_page_lists_newest_first_and_pages(call: Call) -> None:
    ids = [submit(call, magic(f"第{i}句。")) for i in range(3)]
    html = call("GET", "/_emulator/ui").text
    assert html.index(ids[2]) < html.index(ids[1]) < html.index(ids[0])
    assert "3 jobs" in html and "paraformer-v2" in html


def test_text_from_requests_is_escaped(call: Call) -> None:
    hostile = magic("<script>alert(1)</script>。")
    task_id = submit(call, hostile, test_id="<img src=x onerror=alert(2)>")
    page = call("GET", f"/_emulator/ui/jobs/{task_id}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    rows = call("GET", "/_emulator/ui/rows", params={"test_id": "<img src=x onerror=alert(2)>"}).text
    assert "<img src=x" not in rows and task_id in rows


def test_unknown_jobs_and_assets(call: Call) -> None:
    assert call("GET", "/_emulator/ui/jobs/nope").status_code == 404
    assert call("GET", "/_emulator/static/..%2Fapp.py").status_code == 404
    assert call("GET", "/_emulator/static/.hidden").status_code == 404
    assert call("GET", "/_emulator/static/htmx.min.js").status_code == 200


def test_a_browser_on_root_goes_to_the_dashboard(call: Call) -> None:
    r = call("GET", "/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert (r.status_code, r.headers["location"]) == (307, "/_emulator/ui")
    assert call("GET", "/").status_code == 404            # an API client still gets the JSON answer


def test_a_control_token_locks_the_pages_and_a_login_opens_them() -> None:
    app = Emulator(Settings(control_token="t0ken"))
    call = caller(app)
    r = call("GET", "/_emulator/ui")
    assert r.status_code == 303 and r.headers["location"].startswith("/_emulator/ui/login")
    assert call("GET", "/_emulator/ui/login").status_code == 200
    wrong = call("POST", "/_emulator/ui/login", data={"token": "nope"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    ok = call("POST", "/_emulator/ui/login?next=https://evil.example/", data={"token": "t0ken"})
    assert ok.status_code == 303 and ok.headers["location"] == "/_emulator/ui"      # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    jar = {"Cookie": cookie.split(";")[0]}
    assert call("GET", "/_emulator/ui", headers=jar).status_code == 200
    assert call("GET", "/_emulator/faults", headers=jar).status_code == 200           # the API takes the cookie
    assert call("GET", "/_emulator/faults").status_code == 401
    assert call("GET", "/_emulator/ui/jobs/x/audio/0").status_code == 401


def test_the_journal_filters(call: Call) -> None:
    submit(call, magic("好。"))
    call("GET", "/api/v1/tasks/none", headers={"Authorization": "Bearer nope"})
    everything = call("GET", "/_emulator/ui/journal/rows").text
    errors = call("GET", "/_emulator/ui/journal/rows", params={"errors": "1"}).text
    assert "/api/v1/services/audio/asr/transcription" in everything
    assert "/api/v1/services/audio/asr/transcription" not in errors and "/api/v1/tasks/none" in errors


def test_the_controls_offer_every_vendor_operation(app: Emulator, call: Call) -> None:
    html = call("GET", "/_emulator/ui/controls").text
    for dialect, op in app.operations():
        if op.summary:
            assert f'value="{op.name}" data-vendor="{dialect.name}"' in html


def test_a_job_page_shows_what_the_vendor_answers(call: Call) -> None:
    task_id = submit(call, magic("你好。"))
    html = call("GET", f"/_emulator/ui/jobs/{task_id}").text
    assert "GET /api/v1/tasks/{task_id}" in html and "transcription_url of file 0" in html
    assert "paraformer-v2" in html and "file_urls" in html        # the request as received
    audio = call("GET", f"/_emulator/ui/jobs/{task_id}/audio/0")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"


def test_http_client_sees_html(call: Call) -> None:
    r = call("GET", "/_emulator/ui")
    assert isinstance(r, httpx.Response) and r.headers["content-type"].startswith("text/html")


def test_job_pages_of_every_kind_of_job(app: Emulator, call: Call) -> None:
    """A job page renders for jobs answered at once too (SentenceRecognition, flash, EAS), with their answers."""
    import base64
    import json

    from tests.conftest import FIXTURES
    from tests.vendors.tencent.test_flash import flash

    audio = (FIXTURES / "hello_zh.wav").read_bytes()
    assert flash(call, audio).json()["code"] == 0
    body = json.dumps({"EngSerViceType": "16k_zh", "SourceType": 1, "VoiceFormat": "wav",
                       "Data": base64.b64encode(audio).decode()})
    from tests.vendors.tencent.test_asr import tc3

    answer = call("POST", "/", **tc3("SentenceRecognition", json.loads(body))).json()["Response"]
    assert answer["Result"]
    for job in call("GET", "/_emulator/jobs").json()["jobs"]:
        page = call("GET", f"/_emulator/ui/jobs/{job['id']}")
        assert page.status_code == 200, job
        assert job["vendor"] in ("tencent_flash", "tencent_asr")
    pages = [call("GET", f"/_emulator/ui/jobs/{j['id']}").text for j in call("GET", "/_emulator/jobs").json()["jobs"]]
    assert any("SentenceRecognition" in p for p in pages) and any("flash_result" in p for p in pages)


SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cassettes"


def test_the_cassettes_page_shows_what_is_replayed_and_its_drift() -> None:
    call = caller(Emulator(Settings(lifecycle="instant", replay=str(SAMPLE))))
    page = call("GET", "/_emulator/ui/cassettes").text
    count = len(list(SAMPLE.glob("*.json")))
    assert "Not recording" in page and f"{count} exchanges, 0 answers given" in page
    assert "<td>tencent_asr</td><td>DescribeTaskStatus</td><td>3</td><td>0</td>" in page
    report = call("POST", "/_emulator/ui/cassettes/drift").text
    assert "No drift" in report and "<td>dashscope</td><td>query</td><td>3</td><td>3</td><td>0</td>" in report


def test_the_cassettes_page_lists_what_is_recorded_newest_first(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "recorded"
    shutil.copytree(SAMPLE, folder)
    call = caller(Emulator(Settings(lifecycle="instant", record=str(folder), upstream=("dashscope",))))
    page = call("GET", "/_emulator/ui/cassettes").text
    assert f"Into <code>{folder}</code>: dashscope go to the real service" in page
    newest = len(list(SAMPLE.glob("*.json")))
    assert page.index(f"<td>{newest}</td>") < page.index("<td>1</td><td>dashscope</td><td>submit</td>")
    assert "GET https://dashscope.aliyuncs.com/api/v1/tasks/" in page
