"""The parts of the test tooling that need the ``testing`` extra (respx for in-process mode, hypothesis for the
strategies) say so when it is missing, instead of a bare ``No module named …``."""

from __future__ import annotations

INSTALL = "pip install 'asr-emulator[testing]'"


def missing(package: str, feature: str) -> ImportError:
    return ImportError(f"{feature} needs {package}, from the 'testing' extra of asr-emulator: {INSTALL}")


__all__ = ["INSTALL", "missing"]
