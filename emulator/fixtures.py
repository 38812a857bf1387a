"""The committed audio fixtures: short WAVs with sidecar scripts, registered by content hash at start-up."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from emulator.engine.recognizer import Script, ScriptRegistry


def fixtures_dir() -> Path | None:
    """``emulator/_fixtures`` in an installed wheel, else ``fixtures/`` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_fixtures", here.parent / "fixtures"):
        if candidate.is_dir():
            return candidate
    return None


def sidecar_script(wav: Path) -> Script | None:
    """``name.json`` (a script object) or ``name.txt`` (one text; one line per channel for multichannel files)."""
    as_json = wav.with_suffix(".json")
    if as_json.is_file():
        return Script.from_json(json.loads(as_json.read_text("utf-8")))
    as_text = wav.with_suffix(".txt")
    if as_text.is_file():
        lines = [line.strip() for line in as_text.read_text("utf-8").splitlines()]
        return Script(texts=tuple(lines) if len(lines) > 1 else (lines[0] if lines else "",))
    return None


def load_fixtures(registry: ScriptRegistry, directory: Path | None = None) -> dict[str, Path]:
    """Register every fixture's script by content hash; return the fixtures by file name."""
    directory = directory or fixtures_dir()
    found: dict[str, Path] = {}
    if directory is None:
        return found
    for wav in sorted(directory.glob("*.wav")):
        found[wav.name] = wav
        script = sidecar_script(wav)
        if script is not None:
            registry.fixtures[hashlib.sha256(wav.read_bytes()).hexdigest()] = script
    return found
