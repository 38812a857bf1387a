"""NLS access tokens: issued by CreateToken (the nls-meta POP gateway), accepted by the realtime and RESTful gateway.
They live in the store, so both dialects read one table; a token expires after ``TOKEN_TTL_S`` of emulator time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.engine import Engine
from emulator.engine.store import Records
from emulator.vendors.nls import catalogue as cat


@dataclass
class Token:
    id: str
    access_key_id: str
    expire_time: int           # Unix seconds, emulator clock

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "access_key_id": self.access_key_id, "expire_time": self.expire_time}


class Tokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records = Records(engine.store, "nls.token", Token)

    def issue(self, access_key_id: str) -> Token:
        token = Token(self.engine.new_id().replace("-", ""), access_key_id,
                      int(self.engine.clock.now()) + cat.TOKEN_TTL_S)
        return self.records.put(token.id, token)

    def account(self, token_id: str) -> str:
        """The AccessKey ID a token was issued to (its account); a token the emulator did not issue is its own."""
        token = self.records.get(token_id)
        return token.access_key_id if token is not None else token_id

    def check(self, token_id: str) -> str:
        """``ok``, ``expired`` or ``unknown``."""
        token = self.records.get(token_id)
        if token is None:
            return "unknown"
        return "ok" if self.engine.clock.now() < token.expire_time else "expired"
