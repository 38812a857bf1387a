"""COS objects in the emulator's buckets: put, get (ranges), head, delete, list, multipart uploads — and the media
resolvers that let every dialect read them (``cos://`` sources and ``<bucket>.cos.<region>.myqcloud.com`` URLs)."""

from __future__ import annotations

import email.utils
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, quote, unquote

from starlette.requests import Request
from starlette.responses import Response

from emulator.engine import Blob, Records, accounts
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.incoming import Incoming
from emulator.engine.media import MediaProblem
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import xmlio
from emulator.vendors.tencent.ci_common import (
    BLOBS,
    CiError,
    Context,
    CosBucket,
    Target,
    Upload,
    listed,
    one_or_many,
)
from emulator.vendors.tencent.cos_sub import (
    RESPONSE_OVERRIDES,
    STORED_HEADERS,
    Acl,
    acl_document,
    acl_from_request,
    check_meta,
    not_implemented,
    stored_headers,
    subresource,
    tagging_document,
    tags_from_header,
    tags_from_request,
)

PARTS = "cos-part"      # the bytes of multipart upload parts: "<upload id>/<part number>"


class Objects:
    def __init__(self, ctx: Context, lenient: Callable[[Request, str], bool]) -> None:
        self.ctx = ctx
        self.engine = ctx.engine
        self.lenient = lenient
        self.acls = Records(ctx.engine.store, "tencent_cos.acl", Acl)
        self.tags: Records[dict[str, str]] = Records(ctx.engine.store, "tencent_cos.tagging", dict)
        self.buckets = Records(ctx.engine.store, "tencent_cos.bucket", CosBucket)
        ctx.engine.media.register_scheme("cos", self._input_object)
        ctx.engine.media.register_host(r"[a-z0-9][a-z0-9-]*\.cos\.[a-z0-9-]+\.myqcloud\.com", self._object_url)
        ctx.engine.account_hooks.append(self._forget_account)

    def blob_key(self, bucket: str, key: str, credential: str | None = None) -> str:
        """Where an object is kept: by bucket and key, within the caller's account when the control plane acts for
        accounts (two test runs sharing a server may both write ``input/a.wav`` to the same bucket name). The
        caller is the request's credential, or ``credential`` (a job's, when it writes its result)."""
        account = self.engine.account_of(credential or CURRENT_ACCOUNT.get())
        name = f"{bucket}/{key}"
        return name if account is None else accounts.scoped(account, name)

    def _forget_account(self, account: str) -> None:
        mine = accounts.scoped(account, "")
        for key in [k for k in self.engine.store.blob_keys(BLOBS) if k.startswith(mine)]:
            self.engine.store.delete_blob(BLOBS, key)
        for records in (self.acls, self.tags, self.buckets):
            for key, _ in records.items():
                if key.startswith(mine):
                    records.delete(key)

    def put(self, bucket: str, key: str, data: bytes | Incoming, content_type: str, meta: dict[str, str],
            credential: str | None = None) -> str:
        body = data if isinstance(data, Incoming) else Incoming(data, None, len(data), hashlib.md5(data).hexdigest())
        etag = f'"{body.md5}"'
        stamp = email.utils.formatdate(self.engine.clock.now(), usegmt=True)
        self.engine.store.put_blob(BLOBS, self.blob_key(bucket, key, credential), body.blob(
            content_type or "application/octet-stream", key.rsplit("/", 1)[-1],
            {"etag": etag, "last-modified": stamp, "mtime": str(self.engine.clock.now()), **meta}))
        return etag

    def get_object(self, bucket: str, key: str) -> Blob | None:
        """An object, writing a pending job's result first if this key is its output."""
        pending = self.ctx.outputs.get(self.blob_key(bucket, key))
        if pending is not None:
            self.engine.peek(pending.job_id)        # a job settles when read, and writes its result as it ends
        return self.engine.store.get_blob(BLOBS, self.blob_key(bucket, key))

    def _input_object(self, source: str) -> bytes | None:
        bucket, _, key = source.removeprefix("cos://").partition("/")
        blob = self.get_object(bucket, key)
        if blob is None:
            raise MediaProblem("missing_object", f"the input object {key} does not exist in {bucket}")
        return blob.data

    def _object_url(self, parts: SplitResult) -> bytes | None:
        bucket = (parts.hostname or "").split(".", 1)[0]
        blob = self.get_object(self.ctx.full(bucket), unquote(parts.path).lstrip("/"))
        if blob is None:
            raise MediaProblem("download_status", f"{parts.geturl()} answered 404 NoSuchKey", status=404)
        return blob.data

    def handle(self, request: Request, target: Target, body: bytes, request_id: str,
               incoming: Incoming | None = None, checked: dict[str, Any] | None = None) -> Response:
        """``incoming``: the body of an object or part upload, received by the dialect in chunks; ``checked``: the
        operation's declared parts, checked (query, document). The request's sub-resource decides the operation
        first: none is ever taken for another."""
        given = checked or {}
        upload = incoming or Incoming(body, None, len(body), hashlib.md5(body).hexdigest())
        headers = {"x-cos-request-id": request_id}
        q = request.query_params
        method, bucket, key = request.method, target.bucket, target.key
        sub = subresource(q, bucket_level=not key)
        if sub is not None and sub.startswith("unsupported:"):
            raise not_implemented(sub.split(":", 1)[1])
        if not key:
            return self._bucket(request, target, sub, headers, given)
        self._use_bucket(request, bucket)
        if sub == "uploads":
            return self._multipart(request, target, headers, upload, given)
        if sub == "acl":
            return self._acl(request, target, headers, given)
        if sub == "tagging":
            return self._tagging(request, target, headers, given)
        if method == "PUT":
            if "x-cos-copy-source" in request.headers:
                return self._copy(request, target, headers)
            meta = stored_headers(request.headers)
            check_meta(meta)
            tags = tags_from_header(request.headers.get("x-cos-tagging", ""))
            etag = self.put(bucket, key, upload, request.headers.get("content-type", ""), meta)
            self._set_extras(bucket, key, request.headers.get("x-cos-acl"), tags)
            return xmlio.raw_response(b"", 200, {**headers, "ETag": etag})
        if method in ("GET", "HEAD"):
            blob = self.get_object(bucket, key)
            if blob is None:
                raise CiError("NoSuchKey" if self.bucket_exists(bucket) else "NoSuchBucket")
            content_type = blob.content_type
            out = {**headers, "ETag": blob.meta.get("etag", ""), "Last-Modified": blob.meta.get("last-modified", ""),
                   "Accept-Ranges": "bytes",
                   **{_header_case(k): v for k, v in blob.meta.items()
                      if k.startswith("x-cos-meta-") or k in STORED_HEADERS}}
            kept_tags = self.tags.get(self.blob_key(bucket, key))
            if kept_tags:
                out["x-cos-tagging-count"] = str(len(kept_tags))
            overrides = given.get("query", {})
            for param, header in RESPONSE_OVERRIDES.items():      # GET's response-* overrides
                if param in overrides and method == "GET":
                    if header == "content-type":
                        content_type = overrides[param]
                    else:
                        out[_header_case(header)] = overrides[param]
            if method == "HEAD":
                response = xmlio.raw_response(b"", 200, out, content_type=content_type.encode("latin-1"))
                response.raw_headers = [(k, str(blob.size).encode()) if k == b"Content-Length" else (k, v)
                                        for k, v in response.raw_headers]
                return response
            data, status = blob.data, 200
            rng = request.headers.get("range", "")
            if rng:
                data, status, out["Content-Range"] = byte_range(data, rng)
            return xmlio.raw_response(data, status, out, content_type=content_type.encode("latin-1"))
        if method == "DELETE":
            self._delete(bucket, key)
            return xmlio.raw_response(b"", 204, headers)
        if method == "POST":
            raise not_implemented("post-object")
        raise CiError("MethodNotAllowed")

    # ---- objects' companions: ACL, tags, copies --------------------------------------------------------------

    def _delete(self, bucket: str, key: str) -> None:
        name = self.blob_key(bucket, key)
        self.engine.store.delete_blob(BLOBS, name)
        self.acls.delete(name)
        self.tags.delete(name)

    def _set_extras(self, bucket: str, key: str, canned: str | None, tags: dict[str, str]) -> None:
        """A new object's ACL and tags: what its PUT said, nothing of the object it replaced."""
        name = self.blob_key(bucket, key)
        if canned:
            self.acls.put(name, acl_from_request({"x-cos-acl": canned}, None, self.ctx.appid))
        else:
            self.acls.delete(name)
        if tags:
            self.tags.put(name, tags)
        else:
            self.tags.delete(name)

    def _acl(self, request: Request, target: Target, headers: dict[str, str], given: dict[str, Any]) -> Response:
        name = self.blob_key(target.bucket, target.key)
        if target.key and self.get_object(target.bucket, target.key) is None:
            raise CiError("NoSuchKey" if self.bucket_exists(target.bucket) else "NoSuchBucket")
        if request.method == "PUT":
            self.acls.put(name, acl_from_request(request.headers, given.get("body"), self.ctx.appid))
            return xmlio.raw_response(b"", 200, headers)
        if request.method == "GET":
            acl = self.acls.get(name) or Acl()
            return xmlio.response("AccessControlPolicy", acl_document(acl, self.ctx.appid),
                                  headers={**headers, "x-cos-acl": acl.canned})
        raise CiError("MethodNotAllowed")

    def _tagging(self, request: Request, target: Target, headers: dict[str, str], given: dict[str, Any]) -> Response:
        name = self.blob_key(target.bucket, target.key)
        if target.key and self.get_object(target.bucket, target.key) is None:
            raise CiError("NoSuchKey" if self.bucket_exists(target.bucket) else "NoSuchBucket")
        if request.method == "PUT":
            self.tags.put(name, tags_from_request(given["body"]))
            return xmlio.raw_response(b"", 200, headers)
        if request.method == "GET":
            return xmlio.response("Tagging", tagging_document(self.tags.get(name) or {}), headers=headers)
        if request.method == "DELETE":
            self.tags.delete(name)
            return xmlio.raw_response(b"", 204, headers)
        raise CiError("MethodNotAllowed")

    def _copy(self, request: Request, target: Target, headers: dict[str, str]) -> Response:
        """PUT Object - Copy: ``x-cos-copy-source: <bucket>.cos.<region>.myqcloud.com/<key>`` (the key URL-encoded);
        the metadata copied (``x-cos-metadata-directive: Copy``, the default) or given anew (``Replaced``)."""
        source = request.headers["x-cos-copy-source"].strip()
        source = source.split("://", 1)[-1]
        host, _, raw_key = source.partition("/")
        src_bucket = self.ctx.full(host.split(".", 1)[0]) if "." in host else ""
        src_key = unquote(raw_key.split("?", 1)[0])
        if not src_bucket or not src_key:
            raise CiError("InvalidArgument", "x-cos-copy-source is <bucket>.cos.<region>.myqcloud.com/<key>")
        blob = self.get_object(src_bucket, src_key)
        if blob is None:
            raise CiError("NoSuchKey" if self.bucket_exists(src_bucket) else "NoSuchBucket")
        directive = request.headers.get("x-cos-metadata-directive", "Copy")     # declared: Copy or Replaced
        if directive == "Copy":
            if (src_bucket, src_key) == (target.bucket, target.key):
                raise CiError("InvalidRequest" if "InvalidRequest" in cat.CI_ERRORS else "InvalidArgument",
                              "Copying an object onto itself needs x-cos-metadata-directive: Replaced.")
            content_type = blob.content_type
            meta = {k: v for k, v in blob.meta.items() if k.startswith("x-cos-meta-") or k in STORED_HEADERS}
        else:
            content_type = request.headers.get("content-type", "")
            meta = stored_headers(request.headers)
        check_meta(meta)
        data = blob.data
        etag = self.put(target.bucket, target.key, data, content_type, meta)
        self._set_extras(target.bucket, target.key, request.headers.get("x-cos-acl"),
                         tags_from_header(request.headers.get("x-cos-tagging", "")))
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.engine.clock.now()))
        return xmlio.response("CopyObjectResult", {"ETag": etag, "LastModified": stamp}, headers=headers)

    # ---- buckets and the service ---------------------------------------------------------------------------

    def bucket_exists(self, bucket: str) -> bool:
        """Made by PUT Bucket (or a first write), the default bucket, or holding objects."""
        if bucket == self.ctx.default_bucket or self.buckets.get(self.blob_key(bucket, "")) is not None:
            return True
        base = self.blob_key(bucket, "")
        return any(k.startswith(base) for k in self.engine.store.blob_keys(BLOBS))

    def _use_bucket(self, request: Request, bucket: str) -> None:
        """An object call or a listing names a bucket that exists — or, leniently, one made in the console (said,
        and known from then on). HEAD, PUT and DELETE Bucket are always answered as the bucket really is here."""
        if self.bucket_exists(bucket):
            return
        if not self.lenient(request, "unknown_bucket"):
            raise CiError("NoSuchBucket")
        self.buckets.put(self.blob_key(bucket, ""), CosBucket(bucket, self.ctx.region, self.engine.clock.now()))

    def _bucket(self, request: Request, target: Target, sub: str | None, headers: dict[str, str],
                given: dict[str, Any]) -> Response:
        method, bucket = request.method, target.bucket
        exists = self.bucket_exists(bucket)
        if sub is None and method == "PUT":                      # PUT Bucket
            if exists:
                raise CiError("BucketAlreadyOwnedByYou")
            self.buckets.put(self.blob_key(bucket, ""), CosBucket(bucket, target.region, self.engine.clock.now()))
            if request.headers.get("x-cos-acl"):
                self.acls.put(self.blob_key(bucket, ""), acl_from_request(request.headers, None, self.ctx.appid))
            return xmlio.raw_response(b"", 200, headers)
        if sub is None and method in ("HEAD", "DELETE") and not exists:
            raise CiError("NoSuchBucket")
        self._use_bucket(request, bucket)
        if sub == "acl":
            return self._acl(request, target, headers, given)
        if sub == "tagging":
            return self._tagging(request, target, headers, given)
        if sub == "uploads" and method == "GET":
            return xmlio.response("ListMultipartUploadsResult", self._list_uploads(bucket, given["query"]),
                                  headers=headers)
        if sub == "delete" and method == "POST":
            return self._delete_many(bucket, given["body"], headers)
        if sub is None and method == "GET":
            return xmlio.response("ListBucketResult", self._list_objects(bucket, given["query"]), headers=headers)
        if sub is None and method == "HEAD":
            return xmlio.raw_response(b"", 200, {**headers, "x-cos-bucket-region": target.region})
        if sub is None and method == "DELETE":
            base = self.blob_key(bucket, "")
            if any(k.startswith(base) for k in self.engine.store.blob_keys(BLOBS)):
                raise CiError("BucketNotEmpty")
            self.buckets.delete(base)
            self.acls.delete(base)
            self.tags.delete(base)
            return xmlio.raw_response(b"", 204, headers)
        raise CiError("MethodNotAllowed")

    def _delete_many(self, bucket: str, doc: dict[str, Any], headers: dict[str, str]) -> Response:
        """POST ?delete: up to 1,000 keys (``doc`` checked against ``cat.COS_DELETE``); each deleted (or already
        absent) is listed unless Quiet."""
        keys = [item["Key"] for item in listed(doc["Object"])]
        for key in keys:
            self._delete(bucket, key)
        quiet = doc.get("Quiet") == "true"
        out: dict[str, Any] = {} if quiet else {"Deleted": one_or_many([{"Key": k} for k in keys])}
        return xmlio.response("DeleteResult", out, headers=headers)

    def service(self, request: Request, target: Target, request_id: str) -> Response:
        """GET Service: the buckets of the caller (made, or holding objects), with their regions."""
        if request.method != "GET":
            raise CiError("MethodNotAllowed")
        space = self.blob_key("", "")[:-1]          # the caller's account prefix ("" outside accounts)
        names: dict[str, CosBucket] = {}
        for key, record in self.buckets.items():
            if key.startswith(space) and isinstance(record, CosBucket):
                names[record.name] = record
        for key in self.engine.store.blob_keys(BLOBS):
            if key.startswith(space):
                name = key[len(space):].split("/", 1)[0]
                names.setdefault(name, CosBucket(name, self.ctx.region, 0.0))
        names.setdefault(self.ctx.default_bucket, CosBucket(self.ctx.default_bucket, self.ctx.region, 0.0))
        uin = f"qcs::cam::uin/{self.ctx.appid}:uin/{self.ctx.appid}"
        buckets = [{"Name": b.name, "Location": b.region, "CreationDate": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.created))} for b in sorted(names.values(), key=lambda b: b.name)
            if not target.region or target.host.startswith("service.") or b.region == target.region]
        return xmlio.response("ListAllMyBucketsResult", {
            "Owner": {"ID": uin, "DisplayName": self.ctx.appid},
            "Buckets": {"Bucket": one_or_many(buckets)} if buckets else None},
            headers={"x-cos-request-id": request_id})

    def _list_objects(self, bucket: str, q: dict[str, Any]) -> dict[str, Any]:
        """A page of the bucket's objects; ``q`` checked against ``cat.COS_LIST_OBJECTS_QUERY``."""
        prefix, marker, delimiter = q.get("prefix", ""), q.get("marker", ""), q.get("delimiter", "")
        max_keys = min(q.get("max-keys", cat.MAX_LIST_KEYS), cat.MAX_LIST_KEYS)
        base = self.blob_key(bucket, "")
        names = sorted(k[len(base):] for k in self.engine.store.blob_keys(BLOBS) if k.startswith(base))
        names = [n for n in names if n.startswith(prefix) and n > marker]
        contents, prefixes = [], []
        for name in names:
            if delimiter and delimiter in name[len(prefix):]:
                common = prefix + name[len(prefix):].split(delimiter, 1)[0] + delimiter
                if common not in prefixes:
                    prefixes.append(common)
                continue
            contents.append(name)
        page = contents[:max_keys]
        out: dict[str, Any] = {"Name": bucket, "Prefix": prefix, "Marker": marker, "MaxKeys": str(max_keys),
                               "IsTruncated": "true" if len(contents) > max_keys else "false"}
        if delimiter:
            out["Delimiter"] = delimiter
        if len(contents) > max_keys and page:       # max-keys=0 lists nothing: no marker to go on from
            out["NextMarker"] = page[-1]
        entries = []
        for name in page:
            blob = self.engine.store.get_blob(BLOBS, self.blob_key(bucket, name))
            if blob is None:
                continue
            mtime = float(blob.meta.get("mtime", "0"))
            entries.append({"Key": name, "LastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(mtime)),
                            "ETag": blob.meta.get("etag", ""), "Size": str(blob.size),
                            "Owner": {"ID": self.ctx.appid, "DisplayName": self.ctx.appid},
                            "StorageClass": cat.STORAGE_CLASS})
        if q.get("encoding-type", "").lower() == "url":   # keys, prefixes and markers percent-encoded (UTF-8)
            out["EncodingType"] = "url"
            for name in ("Prefix", "Marker", "NextMarker", "Delimiter"):
                if name in out:
                    out[name] = quote(out[name], safe="/")
            for entry in entries:
                entry["Key"] = quote(str(entry["Key"]), safe="/")
            prefixes = [quote(p, safe="/") for p in prefixes]
        if entries:
            out["Contents"] = one_or_many(entries)
        if prefixes:
            out["CommonPrefixes"] = one_or_many([{"Prefix": p} for p in prefixes])
        return out

    def _list_uploads(self, bucket: str, q: dict[str, Any]) -> dict[str, Any]:
        prefix = q.get("prefix", "")
        uploads = [u for u in self.ctx.uploads.values() if u.bucket == bucket and u.key.startswith(prefix)]
        out: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxUploads": str(cat.MAX_LIST_KEYS),
                               "IsTruncated": "false"}
        if uploads:
            out["Upload"] = one_or_many([{"Key": u.key, "UploadId": u.id, "StorageClass": cat.STORAGE_CLASS,
                                           "Initiated": self.ctx.time(u.created)} for u in uploads])
        return out

    def _multipart(self, request: Request, target: Target, headers: dict[str, str], received: Incoming,
                   given: dict[str, Any]) -> Response:
        q, method = request.query_params, request.method
        if method == "POST" and "uploads" in q:
            meta = stored_headers(request.headers)
            check_meta(meta)
            created = Upload(self.engine.new_id().replace("-", ""), target.bucket, target.key,
                             self.engine.clock.now(), request.headers.get("content-type", ""), meta=meta)
            self.ctx.uploads.put(created.id, created)
            return xmlio.response("InitiateMultipartUploadResult", {"Bucket": target.bucket, "Key": target.key,
                                                                    "UploadId": created.id}, headers=headers)
        upload = self.ctx.uploads.get(q.get("uploadId", ""))
        if upload is None or upload.bucket != target.bucket or upload.key != target.key:
            raise CiError("NoSuchUpload", "The specified upload does not exist.", 404)
        if method == "PUT":
            number = given["query"]["partNumber"]
            # each part is its own blob, its ETag in its metadata: parts sent at once (the SDK uploads them from
            # several threads, to any worker) never overwrite each other's record of the upload
            self.engine.store.put_blob(PARTS, f"{upload.id}/{number}", received.blob("", "", {"md5": received.md5}))
            return xmlio.raw_response(b"", 200, {**headers, "ETag": f'"{received.md5}"'})
        if method == "GET":
            parts = [{"PartNumber": str(n), "LastModified": self.ctx.time(upload.created),
                      "ETag": f'"{etag}"', "Size": str(self._part_size(upload, n))}
                     for n, etag in sorted(self._parts(upload).items())]
            out: dict[str, Any] = {"Bucket": upload.bucket, "Key": upload.key, "UploadId": upload.id,
                                   "MaxParts": str(cat.MAX_LIST_KEYS), "IsTruncated": "false"}
            if parts:
                out["Part"] = one_or_many(parts)
            return xmlio.response("ListPartsResult", out, headers=headers)
        if method == "DELETE":
            self._drop_upload(upload)
            return xmlio.raw_response(b"", 204, headers)
        return self._complete(upload, given["body"], headers)

    def _part_size(self, upload: Upload, number: int) -> int:
        blob = self.engine.store.get_blob(PARTS, f"{upload.id}/{number}")
        return 0 if blob is None else blob.size

    def _parts(self, upload: Upload) -> dict[int, str]:
        """Part number → ETag of the parts received so far."""
        prefix = f"{upload.id}/"
        found = dict(upload.parts)          # an upload kept by an earlier version lists its parts itself
        for key in self.engine.store.blob_keys(PARTS):
            if key.startswith(prefix):
                blob = self.engine.store.get_blob(PARTS, key)
                if blob is not None and "md5" in blob.meta:
                    found[int(key[len(prefix):])] = blob.meta["md5"]
        return found

    def _drop_upload(self, upload: Upload) -> None:
        for number in self._parts(upload):
            self.engine.store.delete_blob(PARTS, f"{upload.id}/{number}")
        self.ctx.uploads.delete(upload.id)

    def _complete(self, upload: Upload, doc: dict[str, Any], headers: dict[str, str]) -> Response:
        """The parts listed (``doc`` checked against ``cat.COS_COMPLETE``), as one object."""
        numbers = []
        received = self._parts(upload)
        for part in listed(doc["Part"]):
            number = int(part["PartNumber"])
            etag = received.get(number)
            if etag is None or part["ETag"].strip('"') != etag:
                raise CiError("InvalidPart", "One or more of the specified parts could not be found.", 400)
            numbers.append(number)
        whole = self._assemble(upload, numbers)
        try:
            etag = self.put(upload.bucket, upload.key, whole, upload.content_type, dict(getattr(upload, "meta", {})))
            self._set_extras(upload.bucket, upload.key, None, {})
        finally:
            whole.discard()
        self._drop_upload(upload)
        return xmlio.response("CompleteMultipartUploadResult", {
            "Location": f"{upload.bucket}.cos.{self.ctx.region}.myqcloud.com/{upload.key}", "Bucket": upload.bucket,
            "Key": upload.key, "ETag": etag}, headers=headers)


    def _assemble(self, upload: Upload, numbers: list[int]) -> Incoming:
        """The listed parts, in order, into one temporary file (hashed as it is written)."""
        digest = hashlib.md5()
        size = 0
        fd, path = tempfile.mkstemp(prefix="asr-emulator-object-")
        with os.fdopen(fd, "wb") as out:
            for number in numbers:
                blob = self.engine.store.get_blob(PARTS, f"{upload.id}/{number}")
                data = b"" if blob is None else blob.data
                digest.update(data)
                out.write(data)
                size += len(data)
        return Incoming(b"", path, size, digest.hexdigest())


def _header_case(name: str) -> str:
    """A stored header's name as COS writes it (Cache-Control, x-cos-meta-… stays lower-case)."""
    return name if name.startswith("x-cos-") else "-".join(p.capitalize() for p in name.split("-"))


def byte_range(data: bytes, header: str) -> tuple[bytes, int, str]:
    match = re.fullmatch(r"bytes=([0-9]{0,18})-([0-9]{0,18})", header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise CiError("InvalidArgument", "Range must be bytes=start-end")
    size = len(data)
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    if start >= size or start > end:
        raise CiError("InvalidRange", "The requested range is not satisfiable.", 416)
    return data[start:end + 1], 206, f"bytes {start}-{end}/{size}"
