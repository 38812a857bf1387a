"""Record and replay through cos-nodejs-sdk-v5 over HTTPS: the SDK sends through the emulator as its proxy
(``CONNECT`` host:443, TLS with the local CA) — a path the Python SDKs never take — with keys of every kind, a
multipart upload whose parts may go in any order, a wrong key's refusal and a CI speech job; the replay gives the
scenario the same result, and no secret is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from contract_tests.conftest import ca_file
from contract_tests.node.conftest import AUDIO, TENCENT, _missing, scenario
from emulator.testing import ServerProcess

pytestmark = pytest.mark.sdk
KEYS = ["语音/你好 世界.wav", "100%25 sure.txt", "a+b c.txt", "hash#tag.txt", "dir/trailing/"]


def test_the_node_cos_sdk_over_https_is_recorded_and_replayed(tmp_path: Path, ca_dir: Path) -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    folder = tmp_path / "cassettes"
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    options = dict(PROTOCOL="https:", KEYS=json.dumps(KEYS), AUDIO=AUDIO, INPUT_KEY="输入/a #1.wav",
                   PART_KEY="上传/100%25 #1?.bin", NODE_EXTRA_CA_CERTS=ca_file(ca_dir), **TENCENT)
    with ServerProcess(["--lifecycle", "polls:1", "--seed", "7"]) as upstream, \
            ServerProcess(["--record", str(folder), "--upstream", "tencent_ci", "--upstream-address", upstream.url],
                          env=env) as recording:
        recorded = scenario("cos", recording.url, **options)
    assert recorded["multipart"] is True and recorded["job"]["state"] == "Success"
    assert recorded["wrongSecret"]["error"]["code"] == "SignatureDoesNotMatch"
    cassettes = [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]
    assert cassettes and all(c["request"]["url"].startswith("https://") for c in cassettes)
    assert {c["operation"] for c in cassettes} >= {"put_object", "get_object", "create_job", "get_job"}
    for path in folder.glob("*.json"):
        assert TENCENT["SECRET_KEY"] not in path.read_text("utf-8")
    with ServerProcess(["--replay", str(folder), "--replay-strict"], env=env) as replaying:
        replayed = scenario("cos", replaying.url, **options)
    assert replayed == recorded
