"""Tencent Cloud: ASR API 3.0 (file and one-sentence recognition, hot-word vocabularies), flash recognition, and
Cloud Infinite speech jobs with COS."""

from emulator.vendors.tencent.asr import TencentAsr
from emulator.vendors.tencent.ci import TencentCi
from emulator.vendors.tencent.flash import TencentFlash

__all__ = ["TencentAsr", "TencentCi", "TencentFlash"]
