"""The documents' Node.js example, executed against the emulator with the SDKs installed here."""

from __future__ import annotations

import os
import subprocess

import pytest

from contract_tests.node.conftest import HERE
from contract_tests.test_readme import example, shown
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk


def test_readme_node_example(emulator: ControlClient) -> None:
    code = example("node", "js").replace("http://127.0.0.1:8000", emulator.url).replace(
        "127.0.0.1:8000", emulator.url.split("//", 1)[1])
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(["node", "-e", code], cwd=HERE, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == shown("node")
