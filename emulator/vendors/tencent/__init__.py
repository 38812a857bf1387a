"""Tencent Cloud: ASR API 3.0 (CreateRecTask / DescribeTaskStatus) and Cloud Infinite speech jobs with COS."""

from emulator.vendors.tencent.asr import TencentAsr, is_tc3

__all__ = ["TencentAsr", "is_tc3"]
