"""The vendor-neutral engine: clock, jobs, lifecycle, store, media, recognizer, faults, journal, credentials."""

from emulator.engine.audio import AudioInfo, AudioProblem, probe
from emulator.engine.clock import Clock
from emulator.engine.core import Engine, EngineConfig, JobStateError
from emulator.engine.faults import Faults, Request, Rule
from emulator.engine.jobs import Failure, Item, Job, Phase, VendorRecord
from emulator.engine.journal import Journal
from emulator.engine.lifecycle import Policy, parse_policy
from emulator.engine.media import FetchLimits, MediaProblem, MediaResolver
from emulator.engine.recognizer import Options, Recognizer, Script, ScriptRegistry, Transcript
from emulator.engine.store import Blob, MemoryStore, Records, Store

__all__ = [
    "AudioInfo", "AudioProblem", "Blob", "Clock", "Engine", "EngineConfig", "Failure", "Faults", "FetchLimits",
    "Item", "Job", "JobStateError", "Journal", "MediaProblem", "MediaResolver", "MemoryStore", "Options", "Phase",
    "Policy", "Recognizer", "Records", "Request", "Rule", "Script", "ScriptRegistry", "Store", "Transcript",
    "VendorRecord", "parse_policy", "probe",
]
