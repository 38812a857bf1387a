"""The DashScope Files API (``dashscope.Files``): upload a local file, get it (with its URL), list, delete.

Clients that transcribe a local file upload it here and submit the file's ``url``; the emulator's URL resolves from
its own store, wherever a job names it. The answers' shapes follow the service's file-management documents as the
SDK reads them (``data.uploaded_files[].file_id``; ``data.files``, ``total``, ``page_no``, ``page_size``; a file's
``file_id``, ``name``, ``description``, ``size``, ``md5``, ``gmt_create``, ``url``) — they are not in the seed
documents. Each file belongs to the API key that uploaded it."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile

from emulator.engine import Blob, Engine, Records
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.errors import DashScopeError


@dataclass
class DashFile:
    id: str
    owner: str
    name: str
    description: str
    size: int
    md5: str
    created: float
    purpose: str


class Files:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records = Records(engine.store, "dashscope.file", DashFile)

    async def upload(self, form: FormData, owner: str, base: str) -> dict[str, Any]:
        uploads = [v for k, v in form.multi_items() if k == "files" and isinstance(v, UploadFile)]
        if not uploads:
            raise DashScopeError("InvalidParameter", "The request has no 'files' part.", 400)
        if len(uploads) > cat.MAX_FILES_PER_UPLOAD:
            raise DashScopeError("InvalidParameter", f"At most {cat.MAX_FILES_PER_UPLOAD} files per upload.", 400)
        descriptions = [v for k, v in form.multi_items() if k == "descriptions" and isinstance(v, str)]
        purpose = form.get("purpose")
        uploaded, failed = [], []
        for i, upload in enumerate(uploads):
            data = await upload.read()
            name = (upload.filename or "file").rsplit("/", 1)[-1][:255] or "file"
            if not data:
                failed.append({"name": name, "code": "InvalidParameter", "message": "The file is empty."})
                continue
            file_id = self.engine.new_id()
            self.engine.store.put_blob("media", _media_id(file_id), Blob(data, upload.content_type or "", name))
            self.records.put(file_id, DashFile(file_id, owner, name, descriptions[i] if i < len(descriptions) else "",
                                               len(data), hashlib.md5(data).hexdigest(), self.engine.clock.now(),
                                               purpose if isinstance(purpose, str) else ""))
            uploaded.append({"name": name, "file_id": file_id})
        return {"uploaded_files": uploaded, "failed_uploads": failed}

    def get(self, file_id: str, owner: str, base: str) -> dict[str, Any]:
        return self._json(self._mine(file_id, owner), base)

    def list(self, query: dict[str, Any], owner: str, base: str) -> dict[str, Any]:
        """A page of the owner's files; ``query`` checked against ``cat.FILES_QUERY``."""
        page_no, page_size = query.get("page_no", 1), query.get("page_size", 10)
        mine = sorted((f for f in self.records.values() if f.owner == owner), key=lambda f: -f.created)
        shown = mine[(page_no - 1) * page_size:page_no * page_size]
        return {"total": len(mine), "page_no": page_no, "page_size": page_size,
                "files": [self._json(f, base) for f in shown]}

    def delete(self, file_id: str, owner: str) -> None:
        self._mine(file_id, owner)
        self.records.delete(file_id)
        self.engine.store.delete_blob("media", _media_id(file_id))

    def _mine(self, file_id: str, owner: str) -> DashFile:
        found = self.records.get(file_id)
        if found is None or found.owner != owner:
            raise DashScopeError("NotFound", f"File {file_id} not found.", 404)
        return found

    def _json(self, f: DashFile, base: str) -> dict[str, Any]:
        return {"file_id": f.id, "name": f.name, "description": f.description, "size": f.size, "md5": f.md5,
                "gmt_create": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(f.created)),
                "url": f"{base}/_emulator/media/{_media_id(f.id)}/{quote(f.name)}"}


def _media_id(file_id: str) -> str:
    """The store's media key of a file (the media fetcher serves ``/_emulator/media/<id>/…`` on any host)."""
    return hashlib.sha256(f"dashscope-file:{file_id}".encode()).hexdigest()[:32]


__all__ = ["DashFile", "Files"]
