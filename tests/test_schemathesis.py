"""Schemathesis drives every operation of the OpenAPI document with generated requests: the emulator answers each
one in the document's terms, never with a 5xx it did not mean (only faults and the vendors' own 503s are meant)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from emulator.app import Emulator
from emulator.config import Settings


@schemathesis.serializer("audio/wav", "application/octet-stream")
def _binary(ctx: Any, value: Any) -> bytes:
    """Uploads: the generated value as bytes (most are not audio, which the emulator must refuse cleanly)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


# two emulators: the control plane's fuzzing adds fault rules (drop, latency …) that would otherwise act on the
# vendor operations' cases
control = schemathesis.openapi.from_asgi("/_emulator/openapi.json", Emulator(Settings(lifecycle="instant")))
vendors = schemathesis.openapi.from_asgi("/_emulator/openapi.json", Emulator(Settings(lifecycle="instant")))
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@control.include(tag="control").parametrize()
@FUZZ
def test_the_control_plane_never_fails_on_input(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])


@vendors.exclude(tag="control").parametrize()
@FUZZ
def test_vendor_operations_never_fail_on_input(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500 or response.status_code == 503, (
        case.method, case.path, case.query, response.status_code, response.text[:300])
