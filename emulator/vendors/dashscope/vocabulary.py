"""Hot-word vocabularies (``VocabularyService``): create, list, query, update, delete.

A vocabulary's words bias synthetic transcripts of the tasks that name its ``vocabulary_id``: they appear in
the text, as a recognizer biased towards them would produce them.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.engine import Engine
from emulator.engine.store import Blob
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.render import local_time

KIND = "dashscope-vocabulary"


class VocabularyError(Exception):
    """An ``InvalidParameter`` answer with this message."""


class Vocabularies:
    def __init__(self, engine: Engine, utc_offset_hours: float) -> None:
        self.engine = engine
        self.utc_offset_hours = utc_offset_hours

    def get(self, vocabulary_id: str, owner: str) -> dict[str, Any] | None:
        blob = self.engine.store.get_blob(KIND, vocabulary_id)
        if blob is None:
            return None
        record: dict[str, Any] = json.loads(blob.data)
        return record if record["owner"] == owner else None

    def words(self, vocabulary_id: str, owner: str) -> tuple[str, ...] | None:
        record = self.get(vocabulary_id, owner)
        return None if record is None else tuple(w["text"] for w in record["vocabulary"])

    def _put(self, record: dict[str, Any]) -> None:
        self.engine.store.put_blob(KIND, record["vocabulary_id"],
                                   Blob(json.dumps(record, ensure_ascii=False).encode(), "application/json"))

    def handle(self, inp: dict[str, Any], owner: str) -> dict[str, Any]:
        """One action; ``inp`` is checked against ``cat.CUSTOMIZATION_BODY`` (what each action needs is there)."""
        action = inp["action"]
        now = local_time(self.engine.clock.now(), self.utc_offset_hours)[:19]
        if action == "create_vocabulary":
            prefix = inp["prefix"]
            created = {"vocabulary_id": f"vocab-{prefix}-{self.engine.new_id().replace('-', '')}", "owner": owner,
                       "prefix": prefix, "target_model": inp["target_model"], "vocabulary": _words(inp["vocabulary"]),
                       "gmt_create": now, "gmt_modified": now, "status": "OK"}
            self._put(created)
            return {"vocabulary_id": created["vocabulary_id"]}
        if action == "list_vocabulary":
            prefix = inp.get("prefix")
            page_index, page_size = inp.get("page_index", 0), inp.get("page_size", 10)
            records = [r for r in (self.get(k, owner) for k in sorted(self.engine.store.blob_keys(KIND)))
                       if r is not None and (not prefix or r["prefix"] == prefix)]
            records.sort(key=lambda r: (r["gmt_create"], r["vocabulary_id"]), reverse=True)
            page = records[page_index * page_size:(page_index + 1) * page_size]
            return {"vocabulary_list": [{k: r[k] for k in ("gmt_create", "gmt_modified", "status", "vocabulary_id")}
                                        for r in page]}
        vocabulary_id = inp["vocabulary_id"]
        record = self.get(vocabulary_id, owner)
        if record is None:
            raise VocabularyError(cat.VOCABULARY_NOT_FOUND.format(id=vocabulary_id))
        if action == "query_vocabulary":
            return {k: record[k] for k in ("gmt_create", "gmt_modified", "status", "target_model", "vocabulary")}
        if action == "update_vocabulary":
            record.update(vocabulary=_words(inp["vocabulary"]), gmt_modified=now)
            self._put(record)
            return {}
        self.engine.store.delete_blob(KIND, record["vocabulary_id"])
        return {}


def _words(words: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The declared words (text, weight 1-5, lang), each no longer than a hot word may be."""
    for word in words:
        text = word["text"]
        too_long = (len(text) > cat.VOCABULARY_TEXT_CJK_CHARS if not text.isascii()
                    else len(text.split()) > cat.VOCABULARY_TEXT_TOKENS)
        if too_long:
            raise VocabularyError(f"The hot word {text!r} is too long.")
    return [{k: w[k] for k in ("text", "weight", "lang") if k in w} for w in words]
