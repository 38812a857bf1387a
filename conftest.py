"""Hypothesis profiles for this suite: ``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) explores the same examples on
every run, so CI results do not depend on the draw; local runs keep exploring new ones."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
