"""The dashboard as a person uses it, in a real browser, beside the vendors' SDKs."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from contract_tests.conftest import FIXTURES
from contract_tests.ui.conftest import screenshot
from emulator.testing import ControlClient
from emulator.testing.server import ServerProcess

pytestmark = pytest.mark.sdk


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def submit(emulator: ControlClient, fixture: str = "hello_zh.wav") -> str:
    from dashscope.audio.asr import Transcription

    response = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url(fixture)])
    assert response.status_code == 200, response.message
    task_id: str = response.output.task_id
    return task_id


def test_find_a_job_open_it_and_read_its_transcript(page: Any, emulator: ControlClient, dashscope_sdk: Any) -> None:
    from playwright.sync_api import expect

    emulator.lifecycle("instant")
    others = [submit(emulator, "hello_en.wav") for _ in range(2)]
    task_id = submit(emulator)
    page.goto(emulator.url)                                   # a browser on / lands on the dashboard
    expect(page).to_have_url(re.compile(r"/_emulator/ui$"))
    rows = page.locator("tr.job-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-job-id", task_id)      # newest first
    expect(rows.first).to_contain_text("SUCCEEDED")
    expect(rows.first).to_contain_text("dashscope")
    expect(rows.first).to_contain_text("submit")
    screenshot(page, "jobs.png")
    page.select_option("select[name=phase]", "succeeded")
    expect(rows).to_have_count(3)
    page.fill("input[name=test_id]", "no-such-test")
    page.press("input[name=test_id]", "Enter")
    expect(rows).to_have_count(0)
    page.goto(f"{emulator.url}/_emulator/ui")
    page.click(f"tr[data-job-id='{task_id}'] a")
    expect(page).to_have_url(re.compile(f"/_emulator/ui/jobs/{task_id}$"))
    expect(page.locator(".transcript").first).to_have_text(script("hello_zh.wav"))
    expect(page.locator(".vendor-document").first).to_contain_text('"task_status": "SUCCEEDED"')
    expect(page.locator("#job-request")).to_contain_text("request_id")
    assert page.locator(".word").count() > 5                       # word timings
    audio = page.locator("audio").first.get_attribute("src")
    assert audio is not None and page.request.get(emulator.url + audio).headers["content-type"] == "audio/wav"
    screenshot(page, "job.png")
    assert others


def test_complete_a_manual_job_from_its_button(page: Any, emulator: ControlClient, dashscope_sdk: Any) -> None:
    from dashscope.audio.asr import Transcription
    from playwright.sync_api import expect

    emulator.lifecycle("manual")
    task_id = submit(emulator)
    page.goto(f"{emulator.url}/_emulator/ui/jobs/{task_id}")
    expect(page.locator("#job-phase")).to_have_text("PENDING")
    page.click("button:has-text('Complete')")
    expect(page.locator("#job-phase")).to_have_text("SUCCEEDED")
    assert Transcription.fetch(task=task_id).output.task_status == "SUCCEEDED"
    page.click("button:has-text('Pause')")                    # the API's refusal is shown, not swallowed
    expect(page.locator("#flash")).to_contain_text("already ended")


def test_a_fault_added_from_the_form_fails_the_next_sdk_call(page: Any, emulator: ControlClient,
                                                             dashscope_sdk: Any) -> None:
    from dashscope.audio.asr import Transcription
    from playwright.sync_api import expect

    page.goto(f"{emulator.url}/_emulator/ui/controls")
    page.select_option("#fault-vendor", "dashscope")
    page.select_option("#fault-operation", "submit")
    page.select_option("#fault-action", "error")
    page.fill("#fault-code", "DataInspectionFailed")
    page.fill("input[name='action.status']", "400")
    page.click("#fault-form button[type=submit]")
    expect(page.locator("tr.fault-row")).to_have_count(1)
    expect(page.locator("tr.fault-row")).to_contain_text("DataInspectionFailed")
    failed = Transcription.async_call(model="paraformer-v2", file_urls=[emulator.fixture_url("hello_zh.wav")])
    assert (failed.status_code, failed.code) == (400, "DataInspectionFailed")
    page.reload()
    expect(page.locator("tr.fault-row")).to_contain_text("1")    # its hit
    page.click("tr.fault-row button:has-text('Remove')")
    expect(page.locator("tr.fault-row")).to_have_count(0)
    assert Transcription.async_call(model="paraformer-v2",
                                    file_urls=[emulator.fixture_url("hello_zh.wav")]).status_code == 200


def test_the_clock_and_lifecycle_controls(page: Any, emulator: ControlClient) -> None:
    from playwright.sync_api import expect

    page.goto(f"{emulator.url}/_emulator/ui/controls")
    page.select_option("#clock select[name=mode]", "manual")
    page.click("#clock button:has-text('Set mode')")
    expect(page.locator("#clock-mode")).to_have_text("manual")
    before = emulator.clock()["now"]
    page.fill("#clock input[name=advance]", "90")
    page.click("#clock button:has-text('Advance')")
    expect(page.locator("#clock-mode")).to_have_text("manual")
    assert emulator.clock()["now"] == before + 90
    page.fill("#lifecycle input[name=policy]", "polls:3")
    page.select_option("#lifecycle select[name=vendor]", "nls")
    page.click("#lifecycle button:has-text('Set')")
    expect(page.locator("#lifecycle")).to_contain_text("polls:3")


def test_the_journal_is_live(page: Any, emulator: ControlClient, dashscope_sdk: Any) -> None:
    from playwright.sync_api import expect

    page.goto(f"{emulator.url}/_emulator/ui/journal")
    task_id = submit(emulator)                 # after the page opened: it must appear by itself
    row = page.locator("tr.journal-row", has_text="/api/v1/services/audio/asr/transcription")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("submit")
    row.locator("a").click()
    expect(page).to_have_url(re.compile(f"/_emulator/ui/jobs/{task_id}$"))


def test_the_api_document_renders(page: Any, emulator: ControlClient) -> None:
    from playwright.sync_api import expect

    page.goto(f"{emulator.url}/_emulator/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("/_emulator/faults")


def test_a_locked_control_plane_asks_for_its_token(page: Any) -> None:
    from playwright.sync_api import expect

    with ServerProcess(["--control-token", "s3cret-token"]) as server:
        page.goto(f"{server.url}/_emulator/ui")
        expect(page).to_have_url(re.compile(r"/_emulator/ui/login"))
        page.fill("input[name=token]", "wrong")
        page.click("button[type=submit]")
        expect(page.locator("main")).to_contain_text("not the control token")
        page.fill("input[name=token]", "s3cret-token")
        page.click("button[type=submit]")
        expect(page).to_have_url(re.compile(r"/_emulator/ui$"))
        expect(page.locator("h1")).to_have_text("Jobs")
        page.goto(f"{server.url}/_emulator/ui/controls")     # the forms reach the API with the cookie
        page.select_option("#clock select[name=mode]", "manual")
        page.click("#clock button:has-text('Set mode')")
        expect(page.locator("#clock-mode")).to_have_text("manual")
        assert httpx.get(f"{server.url}/_emulator/faults", trust_env=False).status_code == 401   # no cookie, no token


def test_media_for_a_url_from_the_controls(page: Any, emulator: ControlClient, dashscope_sdk: Any) -> None:
    from dashscope.audio.asr import Transcription

    emulator.lifecycle("instant")
    page.goto(f"{emulator.url}/_emulator/ui/controls")
    url = "https://my-bucket.oss-cn-hangzhou.aliyuncs.com/from-the-dashboard.wav"
    page.fill("#named-media input[name=url]", url)
    page.fill("#named-media input[name=text]", "今天天气很好。")
    page.fill("#named-media input[name=duration]", "2")
    with page.expect_navigation():                       # the page reloads once the control plane took it
        page.click("#named-media button[type=submit]")
    done = Transcription.wait(task=Transcription.async_call(model="paraformer-v2", file_urls=[url]))
    assert done.output.task_status == "SUCCEEDED"
