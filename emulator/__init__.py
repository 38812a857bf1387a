"""asr-emulator: a local emulator of cloud speech-recognition APIs."""

__version__ = "0.1.0"

__all__ = ["__version__"]
