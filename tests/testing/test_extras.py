"""Without the ``testing`` extra, the parts that need it name the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("blocked", "module", "says"), [
    ("respx", "emulator.testing.inprocess", "asr_emulator_respx"),
    ("hypothesis", "emulator.testing.strategies", "emulator.testing.strategies needs hypothesis"),
])
def test_a_missing_extra_names_itself(blocked: str, module: str, says: str) -> None:
    code = f"import sys; sys.modules[{blocked!r}] = None; import {module}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ") and says in last and "pip install 'asr-emulator[testing]'" in last


def test_the_plugin_loads_without_the_extra() -> None:
    code = ("import sys; sys.modules['respx'] = None; sys.modules['hypothesis'] = None; "
            "import emulator.testing.plugin, emulator.testing.handle")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0
