"""Tencent ASR API 3.0 beyond file recognition: SentenceRecognition (one clip of ≤ 60 s, answered at once) and the
hot-word vocabularies (CreateAsrVocab, GetAsrVocab, GetAsrVocabList, UpdateAsrVocab, DeleteAsrVocab, SetVocabState,
DownloadAsrVocab), whose words bias recognition as they do on the service."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from emulator.engine import Blob, Engine, FetchLimits, Options, Records
from emulator.engine import Request as FaultRequest
from emulator.engine.text import join_sentences
from emulator.inputs import http_url, whole_number
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Answered:
    """A request answered at once (SentenceRecognition, flash recognition): what it asked and what it was told."""

    request: dict[str, Any]
    answer: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.request


class SentenceError(Exception):
    """A code of the API's catalogue with its fields (the dialect renders it as its TcError)."""

    def __init__(self, code: str, **fields: Any) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


@dataclass
class Vocab:
    id: str
    owner: str
    name: str
    description: str
    words: list[tuple[str, int]]
    created: float
    updated: float
    state: int = 0
    tags: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"VocabId": self.id, "Name": self.name, "Description": self.description, "State": self.state,
                "WordWeights": [{"Word": w, "Weight": n} for w, n in self.words], "TagInfos": self.tags}


def iso_time(t: float) -> str:
    shifted = time.gmtime(t + cat.TENCENT_TZ_HOURS * 3600)
    return time.strftime("%Y-%m-%dT%H:%M:%S", shifted) + f"+{cat.TENCENT_TZ_HOURS:02d}:00"


@dataclass
class Vocabularies:
    engine: Engine
    records: Records[Vocab] = field(init=False)

    def __post_init__(self) -> None:
        self.records = Records(self.engine.store, "tencent_asr.vocab", Vocab)

    # ---- the actions -------------------------------------------------------------------------------------

    def create(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        if len([v for v in self.records.values() if v.owner == owner]) >= cat.VOCAB_LIMIT:
            raise SentenceError("LimitExceeded.VocabFull")
        name = params["Name"]
        words = _words(params)
        now = self.engine.clock.now()
        vocab_id = hashlib.md5(self.engine.new_id().encode()).hexdigest()      # 32 lowercase hex, as the service's
        tags = params.get("TagInfos")
        self.records.put(vocab_id, Vocab(vocab_id, owner, name, params.get("Description", ""),
                                         words or [], now, now,
                                         tags=list(tags) if tags is not None else None))
        return {"VocabId": vocab_id}

    def get(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        vocab = self._vocab(owner, params)
        out = vocab.to_json()
        out.pop("TagInfos")
        return {**out, "CreateTime": iso_time(vocab.created), "UpdateTime": iso_time(vocab.updated)}

    def list(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        offset, limit = params.get("Offset", 0), params.get("Limit", 10)
        tags = params.get("TagInfos")
        mine = sorted((v for v in self.records.values() if v.owner == owner
                       and (not tags or set(map(str, tags)) <= set(v.tags or []))), key=lambda v: v.created)
        page = mine[offset:offset + limit] if limit else mine[offset:]
        return {"VocabList": [{**v.to_json(), "CreateTime": iso_time(v.created), "UpdateTime": iso_time(v.updated)}
                              for v in page], "TotalCount": len(mine)}

    def update(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        vocab = self._vocab(owner, params)
        if "Name" in params:
            vocab.name = params["Name"]
        if "Description" in params:
            vocab.description = params["Description"]
        words = _words(params)
        if words is not None:                       # without words, the list keeps its words
            vocab.words = words
        vocab.updated = self.engine.clock.now()
        self.records.put(vocab.id, vocab)
        return {"VocabId": vocab.id}

    def delete(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        vocab = self._vocab(owner, params)
        self.records.delete(vocab.id)
        return {}

    def set_state(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        vocab = self._vocab(owner, params)
        state = params["State"]
        if state == 1:                              # one default list per account
            for other in self.records.values():
                if other.owner == owner and other.state == 1 and other.id != vocab.id:
                    other.state = 0
                    self.records.put(other.id, other)
        vocab.state = int(state)
        vocab.updated = self.engine.clock.now()
        self.records.put(vocab.id, vocab)
        return {"VocabId": vocab.id}

    def download(self, owner: str, params: dict[str, Any]) -> dict[str, Any]:
        vocab = self._vocab(owner, params)
        lines = "".join(f"{w}|{n}\n" for w, n in vocab.words)
        return {"VocabId": vocab.id, "WordWeightStr": base64.b64encode(lines.encode()).decode()}

    # ---- for recognition ---------------------------------------------------------------------------------

    def hotwords(self, owner: str, vocab_id: str | None) -> tuple[str, ...]:
        """The words of the named list, or of the account's default list (State 1) when none is named."""
        if vocab_id:
            vocab = self.records.get(vocab_id)
            if vocab is None or vocab.owner != owner:
                raise SentenceError("InvalidParameterValue.InvalidVocabId")
            return tuple(w for w, _ in vocab.words)
        default = next((v for v in self.records.values() if v.owner == owner and v.state == 1), None)
        return tuple(w for w, _ in default.words) if default else ()

    def _vocab(self, owner: str, params: dict[str, Any]) -> Vocab:
        vocab_id = params.get("VocabId")
        vocab = self.records.get(vocab_id) if vocab_id else None
        if vocab is None or vocab.owner != owner:
            raise SentenceError("InvalidParameterValue.InvalidVocabId")
        return vocab


def _word(word: str, weight: int) -> tuple[str, int]:
    """One word and its weight (from WordWeights, typed by its declaration, or a WordWeightStr line)."""
    if not word.strip():
        raise SentenceError("InvalidParameterValue.InvalidParameterLength", detail="A word is empty.")
    cjk = len(_CJK.findall(word))
    if (cjk and len(word) > cat.VOCAB_WORD_CJK_MAX) or len(word) > cat.VOCAB_WORD_LATIN_MAX:
        raise SentenceError("InvalidParameterValue.InvalidParameterLength",
                            detail=f"A word is at most {cat.VOCAB_WORD_CJK_MAX} Chinese characters or "
                                   f"{cat.VOCAB_WORD_LATIN_MAX} letters.")
    if weight not in cat.HOTWORD_WEIGHTS:
        raise SentenceError("InvalidParameterValue.InvalidWordWeight")
    return word.strip(), weight


def _words(params: dict[str, Any]) -> list[tuple[str, int]] | None:
    """WordWeightStr (base64 of ``word|weight`` lines) wins over WordWeights when non-empty; None: neither given."""
    text = params.get("WordWeightStr")
    if text:
        try:
            lines = base64.b64decode(text, validate=True).decode("utf-8").splitlines()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise SentenceError("InvalidParameterValue.InvalidWordWeightStr") from None
        out = []
        for line in (ln for ln in lines if ln.strip()):
            word, sep, weight = line.rpartition("|")
            number = whole_number(weight.strip(), 3)
            if not sep or number is None:
                raise SentenceError("InvalidParameterValue.InvalidWordWeightStr")
            out.append(_word(word, number))
        return _bounded(out)
    given = params.get("WordWeights")
    if given is None:
        return None
    return _bounded([_word(w["Word"], w["Weight"]) for w in given])


def _bounded(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    if len(words) > cat.VOCAB_WORDS_MAX:
        raise SentenceError("InvalidParameterValue.InvalidParameterLength",
                            detail=f"A list has at most {cat.VOCAB_WORDS_MAX} words.")
    return words


# ---- SentenceRecognition ------------------------------------------------------------------------------------------

def sentence_spec(params: dict[str, Any]) -> dict[str, Any]:
    """SentenceRecognition's parameters — typed and bounded by their declaration (``cat.ACTION_SCHEMAS``) — checked
    for what one field alone cannot say (the source, the audio data)."""
    if params["SourceType"] == 0 and not http_url(params.get("Url", "")):
        raise SentenceError("InvalidParameterValue.ErrorInvalidUrl")
    if params["SourceType"] == 1:
        data = params.get("Data", "")
        if not data:
            raise SentenceError("InvalidParameterValue.ErrorInvalidVoicedata")
        if len(data) > cat.SENTENCE_MAX_BASE64:
            raise SentenceError("InvalidParameterValue.ErrorVoicedataTooLong", message=cat.SENTENCE_DATA_TOO_BIG)
        try:
            params = {**params, "_data": base64.b64decode(data, validate=True)}
        except (binascii.Error, ValueError):
            raise SentenceError("InvalidParameterValue.ErrorInvalidVoicedata") from None
    return params


def hotword_list(value: str | None) -> tuple[str, ...]:
    """``词|权重`` entries joined by commas (≤ 128, weights 1–11 or 100)."""
    if not value:
        return ()
    out = []
    entries = [e for e in value.split(",") if e.strip()]
    if len(entries) > cat.HOTWORD_LIST_MAX:
        raise SentenceError("InvalidParameterValue", detail=f"HotwordList has at most {cat.HOTWORD_LIST_MAX} words.")
    for entry in entries:
        word, sep, weight = entry.rpartition("|")
        number = whole_number(weight.strip(), 3)
        if not sep or not word.strip() or number is None or number not in cat.HOTWORD_WEIGHTS:
            raise SentenceError("InvalidParameterValue", detail=f"HotwordList entry {entry!r} is not 词|权重.")
        out.append(word.strip())
    return tuple(out)


async def recognise(engine: Engine, vocabularies: Vocabularies, owner: str, params: dict[str, Any],
                    restricted: tuple[str, ...], test_id: str | None, host: str) -> dict[str, Any]:
    """SentenceRecognition: the clip is fetched (or decoded) and recognised before the answer, as a job of its own
    (so it shows in the journal and the dashboard)."""
    spec = sentence_spec(params)
    engine_name = spec["EngSerViceType"]
    hotwords = hotword_list(spec.get("HotwordList")) or vocabularies.hotwords(owner, spec.get("HotwordId"))
    source = spec.get("Url", "")
    if spec["SourceType"] == 1:
        media_id = hashlib.sha256(spec["_data"]).hexdigest()[:32]
        engine.store.put_blob("media", media_id, Blob(spec["_data"], "application/octet-stream", "data"))
        source = f"http://{host}/_emulator/media/{media_id}/data"
    failure, fail_from = engine.job_fault(
        FaultRequest("tencent_asr", "SentenceRecognition", model=engine_name, media=[source], test_id=test_id),
        "FailedOperation.ErrorRecognize")
    record = Answered({k: v for k, v in params.items() if k != "Data"})
    job = await engine.submit(record=record,
        vendor="tencent_asr", model=engine_name, owner=owner, job_id=str(engine.new_id()), sources=[source],
        options=Options(language=cat.ASR_ENGINES[engine_name].language, remove_disfluencies=bool(
            spec.get("FilterModal", 0)), aligned_words=True, hotwords=hotwords),
        limits=FetchLimits(max_bytes=cat.MAX_URL_FILE_BYTES, timeout=engine.config.fetch_timeout),
        policy="instant", test_id=test_id, failure=failure, fail_from=fail_from, wait=True)
    item = job.items[0]
    problem = job.item_failure(item)
    if problem is not None:
        if problem.code in cat.ASR_ERRORS:
            raise SentenceError(problem.code, message=problem.message)
        if problem.code in ("bad_url", "download_status", "download_failed", "download_timeout", "length_mismatch"):
            raise SentenceError("FailedOperation.ErrorDownFile")
        raise SentenceError("InvalidParameterValue.ErrorInvalidVoicedata")
    assert item.audio is not None and item.transcript is not None
    if item.audio.duration_ms > cat.SENTENCE_MAX_MS:
        raise SentenceError("InvalidParameterValue.ErrorVoicedataTooLong", message=cat.SENTENCE_TOO_LONG)
    if not item.transcript.has_speech:
        raise SentenceError("InvalidParameterValue.NoHumanVoice")
    word_info = spec.get("WordInfo", 0)
    dirty = spec.get("FilterDirty", 0)
    shape = res.Shape(res_text_format=2 if word_info == 2 else 1, filter_punc=spec.get("FilterPunc", 0),
                      convert_num=spec.get("ConvertNumMode", 1), filter_dirty=dirty,
                      restricted=restricted if dirty else ())
    segs = res.segments(item, shape)
    out: dict[str, Any] = {"Result": join_sentences([s.text for s in segs]), "AudioDuration": item.audio.duration_ms,
                           "WordSize": 0, "WordList": None}
    if word_info:
        words = [{"Word": res.word_text(w, shape), "StartTime": w.begin_ms, "EndTime": w.end_ms}
                 for s in segs for w in s.words]
        out.update(WordSize=len(words), WordList=words)
    record.answer = out
    engine.store.put_job(job)          # a kept or shared store keeps the answer (the dashboard shows it)
    return out
