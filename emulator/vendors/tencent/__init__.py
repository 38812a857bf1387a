"""Tencent Cloud: ASR API 3.0 (file and one-sentence recognition, hot-word vocabularies), flash recognition,
realtime recognition over WebSocket, and Cloud Infinite speech jobs with COS."""

from emulator.vendors.tencent.asr import TencentAsr
from emulator.vendors.tencent.ci import TencentCi
from emulator.vendors.tencent.flash import TencentFlash
from emulator.vendors.tencent.realtime import TencentRealtime

__all__ = ["TencentAsr", "TencentCi", "TencentFlash", "TencentRealtime"]
