"""Tencent Cloud: ASR API 3.0 (CreateRecTask / DescribeTaskStatus) and Cloud Infinite speech jobs with COS."""

from emulator.vendors.tencent.asr import TencentAsr
from emulator.vendors.tencent.ci import TencentCi

__all__ = ["TencentAsr", "TencentCi"]
