"""JSON Schemas of the control plane's bodies, and how each control route is described in the OpenAPI document
(summary, query parameters, request body, answer). The routes themselves are in ``emulator.control``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.engine.faults import ACTIONS

J = dict[str, Any]


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: J, required: tuple[str, ...] = (), extra: bool | J = False, description: str = "") -> J:
    out: J = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def nullable(schema: J) -> J:
    return {"anyOf": [schema, {"type": "null"}]}


STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
PHASES = ("queued", "running", "paused", "succeeded", "failed", "canceled")
POLICY = {"type": "string", "description": "instant, polls:N, timed (timed:queue=Q,speed=S) or manual",
          "examples": ["instant", "polls:2", "timed:queue=1.5,speed=50", "manual"]}

SCHEMAS: dict[str, J] = {
    "Error": obj({"error": STR}, ("error",), description="Every control-plane error"),
    "Status": obj({"status": {"const": "ok"}}, ("status",)),
    "Clock": obj({"mode": {"enum": ["real", "manual"]}, "now": NUM}, ("mode", "now")),
    "ClockChange": obj({"mode": {"enum": ["real", "manual"]}, "now": NUM,
                        "advance": {"type": "number", "description": "seconds to move the clock forward"}}),
    "Health": obj({"status": STR, "version": STR, "vendors": {"type": "array", "items": STR}, "jobs": INT,
                   "clock": ref("Clock"), "seed": INT}, ("status", "version", "vendors", "jobs", "clock", "seed")),
    "Lifecycle": obj({"default": STR, "overrides": {"type": "object", "additionalProperties": STR}},
                     ("default", "overrides")),
    "LifecycleChange": obj({"policy": POLICY, "vendor": STR, "model": STR}, ("policy",)),
    "Settings": obj({
        "rate_limits": BOOL, "seed": INT, "credentials": {"enum": ["permissive", "strict", "off"]},
        "stream_idle_timeout": nullable(NUM), "callback_retry_delays": {"type": "array", "items": NUM},
        "fetch_deadline": NUM, "strict": BOOL}, extra=True,
        description="Engine settings, and one section per vendor that has run-time settings (nls, eas, tencent)"),
    "Reset": obj({"scope": {"enum": ["all", "overrides"], "default": "all"}, "lifecycle": POLICY,
                  "settings": ref("Settings"), "faults": {"type": "array", "items": ref("FaultRule")}}),
    "JobFailure": obj({"code": STR, "message": nullable(STR), "http_status": nullable(INT)}, ("code",)),
    "JobItem": obj({
        "index": INT, "source": STR, "ok": BOOL, "failure": ref("JobFailure"),
        "audio": obj({"container": STR, "codec": STR, "sample_rate": INT, "channels": INT, "duration_ms": INT,
                      "size": INT}, extra=True),
        "transcript": obj({"backend": {"enum": ["scripted", "synthetic"]}, "language": STR,
                           "channels": {"type": "array", "items": obj(
                               {"channel_id": INT, "text": STR, "sentences": INT})}}, extra=True)},
        ("index", "source", "ok")),
    "Job": obj({
        "id": STR, "vendor": STR, "model": STR, "phase": {"enum": list(PHASES)}, "policy": STR, "created_at": NUM,
        "phase_times": {"type": "object", "additionalProperties": NUM}, "reads": INT, "test_id": nullable(STR),
        "request": nullable({"type": "object", "description": "the vendor's request as the dialect keeps it"}),
        "items": {"type": "array", "items": ref("JobItem")}, "failure": ref("JobFailure"),
        "vendor_phase": nullable(STR), "operation": nullable(STR),
        "account": {"type": ["string", "null"], "description": "the credential id of the request that made it"}},
        ("id", "vendor", "model", "phase", "created_at", "items"), extra=True),
    "JobList": obj({"jobs": {"type": "array", "items": ref("Job")}, "total": INT, "next": nullable(STR)}, ("jobs",)),
    "JobAction": obj({"code": {"type": "string", "description": "fail: the vendor's error code"},
                      "message": STR}),
    "FaultMatch": obj({
        "vendor": STR, "operation": STR, "model": STR, "media": {
            "type": "string", "description": "a substring of a media URL, or re:<regular expression>"},
        "test_id": STR, "nth": INT, "times": INT, "probability": {"type": "number", "minimum": 0, "maximum": 1}}),
    "FaultAction": obj({"type": {"enum": list(ACTIONS)}, "code": STR, "message": STR, "status": INT, "seconds": NUM,
                        "at": {"enum": ["queued", "running"]}, "frames": INT}, ("type",)),
    "FaultRule": obj({"match": ref("FaultMatch"), "action": {"oneOf": [ref("FaultAction"), {"enum": list(ACTIONS)}]}},
                     ("action",)),
    "FaultRules": obj({"rules": {"type": "array", "items": ref("FaultRule")}}, ("rules",)),
    "NewFaults": {"oneOf": [ref("FaultRule"), ref("FaultRules")]},
    "Fault": obj({"id": STR, "action": STR, "vendor": nullable(STR), "operation": nullable(STR),
                  "model": nullable(STR), "media": nullable(STR), "test_id": nullable(STR), "nth": nullable(INT),
                  "times": nullable(INT), "probability": NUM, "code": nullable(STR), "message": nullable(STR),
                  "status": nullable(INT), "seconds": NUM, "at": STR, "frames": INT, "seen": INT, "hits": INT,
                  "account": {"type": ["string", "null"],
                              "description": "the account it applies to (its credential ids); null: every account"}},
                 ("id", "action")),
    "FaultList": obj({"seed": INT, "rules": {"type": "array", "items": ref("Fault")}}, ("rules",)),
    "AddedFaults": obj({"rules": {"type": "array", "items": ref("Fault")}}, ("rules",)),
    "Script": obj({
        "text": STR, "channels": {"type": "array", "items": STR}, "language": STR,
        "url": STR, "sha256": STR, "media_id": STR, "stream": BOOL,
        "emotions": {"type": "array", "items": nullable(STR)}, "events": {"type": "array", "items": nullable(STR)},
        "labels": {"type": "object", "additionalProperties": {
            "oneOf": [STR, {"type": "array", "items": STR}]}}}),
    "ScriptAdded": obj({"status": STR, "stream": BOOL, "sha256": nullable(STR), "url": nullable(STR),
                        "script": {"type": "object"}}, ("status",)),
    "JournalEntry": obj({
        "seq": INT, "time": NUM, "method": STR, "path": STR, "status": INT, "latency_ms": NUM, "vendor": nullable(STR),
        "operation": nullable(STR), "model": nullable(STR), "job_id": nullable(STR), "code": nullable(STR),
        "reason": nullable(STR), "warnings": nullable({"type": "array", "items": STR}), "test_id": nullable(STR),
        "error": nullable(STR), "attempt": nullable(INT), "account": nullable(STR)},
        ("seq", "time", "method", "path", "status")),
    "Journal": obj({"entries": {"type": "array", "items": ref("JournalEntry")}}, ("entries",)),
    "Callbacks": obj({"deliveries": {"type": "array", "items": obj({
        "job_id": STR, "url": STR, "vendor": STR, "state": {"enum": ["waiting", "delivered", "failed"]},
        "attempts": INT, "last_status": nullable(INT), "last_error": nullable(STR),
        "history": {"type": "array", "items": {"type": "object"}}})}}, ("deliveries",)),
    "Warnings": obj({"strict": BOOL, "total": INT, "accepted": {"type": "array", "items": {"type": "object"}},
                     "rules": {"type": "array", "items": obj({"vendor": STR, "rule": STR, "vendor_code": STR,
                                                              "accepts": STR})}}, ("strict", "total", "rules")),
    "Media": obj({"id": STR, "sha256": STR, "url": STR, "size": INT, "duration_ms": INT, "sample_rate": INT,
                  "channels": INT}, ("id", "url")),
    "Fixtures": obj({"fixtures": {"type": "array", "items": obj({"name": STR, "url": STR})}}, ("fixtures",)),
}


@dataclass(frozen=True)
class RouteDoc:
    """How one method of a control route is described."""

    summary: str
    response: str | None = "Status"            # a schema name (JSON), or None for a non-JSON answer
    request: str | None = None
    query: tuple[tuple[str, str], ...] = ()    # (name, description)
    status: int = 200
    media: str = "application/json"


_FILTERS = (("vendor", "a vendor (dashscope, nls, eas, tencent_asr, tencent_ci)"), ("model", "a model or engine"),
            ("phase", "queued, running, paused, succeeded, failed or canceled"), ("test_id", "the test that made it"),
            ("account", "the credential id that made it (API key, AccessKey ID, SecretId, EAS token)"))

# (route name, method) → its description
ROUTE_DOCS: dict[tuple[str, str], RouteDoc] = {
    ("health", "GET"): RouteDoc("Whether the emulator is up: version, vendors, job count, clock, seed", "Health"),
    ("reset", "POST"): RouteDoc("Reset everything (or only the overrides) and configure in one step", request="Reset"),
    ("clock", "GET"): RouteDoc("The emulator's clock", "Clock"),
    ("clock", "POST"): RouteDoc("Switch the clock's mode, set it, or advance it", "Clock", "ClockChange"),
    ("lifecycle", "GET"): RouteDoc("The default lifecycle policy and the per vendor/model overrides", "Lifecycle"),
    ("lifecycle", "POST"): RouteDoc("Set the lifecycle policy (for a vendor or model)", "Lifecycle",
                                    "LifecycleChange"),
    ("settings", "GET"): RouteDoc("The run-time settings", "Settings"),
    ("settings", "POST"): RouteDoc("Change run-time settings (unknown keys are refused)", "Settings", "Settings"),
    ("jobs", "GET"): RouteDoc("Jobs of every vendor, filtered and paged (oldest first unless order=newest)",
                              "JobList", query=(
        *_FILTERS, ("order", "oldest (the default) or newest"), ("limit", "at most this many (default: all)"),
        ("after", "the `next` of the previous page"))),
    ("job", "GET"): RouteDoc("One job: its request, phases and times, items, audio and transcript", "Job"),
    ("job_action", "POST"): RouteDoc("advance, complete, fail (with the vendor's code), pause or resume a job",
                                     "Job", "JobAction"),
    ("faults", "GET"): RouteDoc("The fault rules", "FaultList"),
    ("faults", "POST"): RouteDoc("Add a fault rule, or several as {\"rules\": [...]}", "AddedFaults", "NewFaults",
                                 status=201),
    ("faults", "DELETE"): RouteDoc("Remove every fault rule", "FaultList"),
    ("fault_delete", "DELETE"): RouteDoc("Remove one fault rule"),
    ("scripts", "POST"): RouteDoc("Say what a medium (URL, hash, upload) or the next realtime stream contains",
                                  "ScriptAdded", "Script", status=201),
    ("journal", "GET"): RouteDoc("Every request the emulator answered, filtered", "Journal", query=(
        ("vendor", "a vendor"), ("operation", "an operation"), ("job_id", "a job"), ("test_id", "a test"))),
    ("journal", "DELETE"): RouteDoc("Empty the journal"),
    ("callbacks", "GET"): RouteDoc("Callback deliveries and their attempts", "Callbacks", query=(
        ("job_id", "a job"), ("state", "waiting, delivered or failed"))),
    ("warnings", "GET"): RouteDoc("What was accepted that the vendors refuse (leniency), and every lenient rule",
                                  "Warnings"),
    ("warnings", "DELETE"): RouteDoc("Forget the warnings seen so far", "Warnings"),
    ("media_upload", "POST"): RouteDoc("Upload audio (raw body or multipart 'file'); answers its URL", "Media",
                                       status=201, query=(("name", "a file name"), ("text", "its script"))),
    ("media_get", "GET"): RouteDoc("An uploaded medium", None, media="application/octet-stream"),
    ("fixtures", "GET"): RouteDoc("The bundled audio fixtures", "Fixtures"),
    ("fixture", "GET"): RouteDoc("A bundled audio fixture", None, media="audio/wav"),
    ("openapi", "GET"): RouteDoc("This document", None),
}
