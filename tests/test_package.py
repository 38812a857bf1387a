"""The package as an index would publish it: built (sdist and wheel), checked by twine, installed into a fresh
virtual environment and used there as a user would — the plugin's README example passes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import emulator

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_twine_finds_the_metadata_and_the_long_description_fit_to_publish(dist: Path) -> None:
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_wheel_carries_its_version_licence_metadata_and_fixtures(dist: Path) -> None:
    wheel = _one(dist, f"asr_emulator-{emulator.__version__}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = f"asr_emulator-{emulator.__version__}.dist-info"
        metadata = z.read(f"{info}/METADATA").decode()
        licence = z.read(f"{info}/licenses/LICENSE").decode()
    assert f"Version: {emulator.__version__}\n" in metadata and "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Framework :: Pytest" in metadata and "Requires-Python: >=3.11" in metadata
    assert "Provides-Extra: testing" in metadata and "Description-Content-Type: text/markdown" in metadata
    assert licence.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in licence
    assert {"emulator/py.typed", "emulator/_fixtures/hello_zh.wav", "emulator/ui/static/htmx.min.js"} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(wheel) as z:
        points = z.read(entry_points).decode()
    assert "asr-emulator = emulator.cli:main" in points and "asr_emulator = emulator.testing.plugin" in points


def test_the_sdist_holds_the_sources_tests_and_documents(dist: Path) -> None:
    sdist = _one(dist, f"asr_emulator-{emulator.__version__}.tar.gz")
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "emulator/__init__.py",
            "fixtures/hello_zh.wav", "tests/test_package.py"} <= names
    assert not any("node_modules" in n or "__pycache__" in n for n in names)


def test_the_version_is_in_one_place_and_printed() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert 'dynamic = ["version"]' in pyproject and not re.search(r"^version\s*=", pyproject, re.M)
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert f"## [{emulator.__version__}]" in changelog


def test_the_built_wheel_works_in_a_fresh_environment(dist: Path, tmp_path: Path) -> None:
    """Installed with its ``testing`` extra into a new virtual environment (not this one), the CLI says its
    version and the README's plugin example passes under that environment's pytest."""
    wheel = _one(dist, "*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    users_own = [spec for spec in extras["test"] if spec.startswith(("dashscope", "requests"))]   # the example's
    installed = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[testing]",
                                *users_own], capture_output=True, text=True, timeout=900, env=env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    version = subprocess.run([str(bin_dir / "asr-emulator"), "--version"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert version.stdout.strip() == emulator.__version__
    from contract_tests.test_readme import example

    project = tmp_path / "project"
    project.mkdir()
    (project / "test_plugin_example.py").write_text(example("pytest"), "utf-8")
    ran = subprocess.run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                         capture_output=True, text=True, timeout=600, env=env)
    assert ran.returncode == 0 and "1 passed" in ran.stdout, ran.stdout[-3000:] + ran.stderr[-2000:]
