"""DashScope's temporary uploads, the store behind ``OssUtils.upload``: a policy signed for the key's upload
folder (``GET …/uploads?action=getPolicy``), the policy-signed form ``POST`` that puts a file there, and the
``oss://`` URLs a task then names, resolved for the engine while the upload lives. Errors are OSS's XML."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from emulator.declare import Invalid, Schema
from emulator.engine import Engine
from emulator.engine.store import Blob
from emulator.inputs import BadInput, parse_json
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.render import Signer
from emulator.web import complete_multipart


class TemporaryUploads:
    def __init__(self, engine: Engine, signer: Signer) -> None:
        self.engine, self.signer = engine, signer

    def policy(self, api_key: str, model: str, base: str) -> dict[str, Any]:
        """The ``data`` of a policy answer: where to post, for how long, signed."""
        day = time.strftime("%Y-%m-%d", time.gmtime(self.engine.clock.now()))
        upload_dir = f"dashscope-instant/{api_key_id(api_key)}/{day}/{self.engine.new_id()}"
        expires = int(self.engine.clock.now() + cat.UPLOAD_POLICY_TTL_S)
        policy = base64.b64encode(json.dumps({"expiration": expires, "conditions": [
            ["starts-with", "$key", upload_dir], {"model": model}]}).encode()).decode()
        return {
            "policy": policy, "signature": self.signer.sign(policy, expires),
            "upload_dir": upload_dir, "upload_host": base + "/dashscope-oss-upload",
            "expire_in_seconds": cat.UPLOAD_POLICY_TTL_S, "max_file_size_mb": 1024, "capacity_limit_mb": 999999999,
            "oss_access_key_id": "asr-emulator", "x_oss_object_acl": "private", "x_oss_forbid_overwrite": "true",
        }

    async def receive(self, request: Request, body: bytes) -> Response:
        """The form ``POST`` (``key``, ``policy``, ``Signature``, ``file``): 200 with no body, as OSS answers."""
        if not complete_multipart(request.headers.get("content-type", ""), body):
            return oss_error("malformed_post")
        try:
            async with request.form(max_part_size=cat.MAX_FILE_BYTES) as form:
                return await self._store(form)
        except (ValueError, KeyError, AssertionError, MultiPartException):
            return oss_error("malformed_post")

    async def _store(self, form: FormData) -> Response:
        key, policy, signature, upload = form.get("key"), form.get("policy"), form.get("Signature"), form.get("file")
        if not isinstance(key, str) or not isinstance(policy, str) or upload is None or isinstance(upload, str):
            return oss_error("missing_fields")
        try:
            doc = _POLICY.check(parse_json(base64.b64decode(policy)))
        except (BadInput, Invalid, ValueError):
            return oss_error("bad_policy")
        expires, prefix = int(doc["expiration"]), doc["conditions"][0][2]
        if signature != self.signer.sign(policy, expires):
            return oss_error("bad_signature")
        if self.engine.clock.now() > expires:
            return oss_error("policy_expired")
        if not key.startswith(prefix):
            return oss_error("policy_condition")
        data = await upload.read()
        self.engine.store.put_blob("oss", key, Blob(data, upload.content_type or "", key.rsplit("/", 1)[-1],
                                                    {"expires": str(self.engine.clock.now() + cat.UPLOAD_TTL_S)}))
        return Response(status_code=200)

    def resolve(self, url: str) -> bytes | None:
        parts = urlsplit(url)
        blob = self.engine.store.get_blob("oss", f"{parts.netloc}{parts.path}")
        if blob is None or float(blob.meta.get("expires", "0")) < self.engine.clock.now():
            return None
        return blob.data


_POLICY = Schema(cat.UPLOAD_POLICY, "policy")


def api_key_id(key: str) -> str:
    """The number the service shows for an API key (its tasks list's ``api_key_id``, the upload folder)."""
    return str(int.from_bytes(key.encode()[-6:].rjust(6, b"\0"), "big") % 10_000_000)


def oss_error(name: str) -> Response:
    status, code, message = cat.OSS_ERRORS[name]
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>{code}</Code>\n  <Message>{message}</Message>\n'
            f"  <HostId>dashscope-result.asr-emulator</HostId>\n</Error>\n")
    return Response(body, status_code=status, media_type="application/xml")


__all__ = ["TemporaryUploads", "api_key_id", "oss_error"]
