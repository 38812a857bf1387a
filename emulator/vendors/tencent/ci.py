"""Tencent Cloud Infinite (CI) speech recognition and the COS bucket it reads from and writes to: the dialect.

Requests are told apart by Host — ``<bucket>.ci.<region>.myqcloud.com`` (CI), ``<bucket>.cos.<region>.myqcloud.com``
(COS objects, and CI paths too: cos-python-sdk-v5's ``IP`` mode sends that host), ``ci.<region>.myqcloud.com`` (the
bucket list) — with absolute-form targets (proxy mode) already in origin form. Without such a host, CI paths
(``/asr_jobs`` …) use the default bucket, and ``/<bucket-appid>/<key>`` is the path-style fallback for tools that
cannot set Host. Every request is signed with the COS signature (header or presigned query).

The operations live beside this module: jobs in ``ci_jobs``, queues/templates/buckets in ``ci_resources``, objects
and multipart uploads in ``cos``; their shared records and helpers in ``ci_common``.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from emulator.config import Settings
from emulator.declare import Invalid, Problem, type_words
from emulator.engine import Engine
from emulator.engine.core import RequestFault
from emulator.engine.incoming import TooLarge, receive
from emulator.vendors.base import Call, Dialect, Doc, Operation, VendorError, params_of
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import xmlio
from emulator.vendors.tencent.asr import tencent_keys
from emulator.vendors.tencent.ci_common import BUCKET, CI_APIS, HOST, VENDOR, CiError, Context, Target
from emulator.vendors.tencent.ci_jobs import Jobs
from emulator.vendors.tencent.ci_resources import Resources
from emulator.vendors.tencent.cos import Objects
from emulator.vendors.tencent.cos_auth import FIELDS, CosSignature, verify
from emulator.vendors.tencent.cos_sub import subresource
from emulator.web import host_of

OBJECT_THREAD_BYTES = 256 * 1024
_CI = "<bucket>.ci.<region>.myqcloud.com"
_COS = "<bucket>.cos.<region>.myqcloud.com"


class TencentCi(Dialect):
    """The CI + COS dialect."""

    name = VENDOR
    title = "Tencent Cloud CI speech jobs and COS"
    hosts = (r"([a-z0-9-]+\.)?(ci|cos)(v6|-cdc|-internal)?\.[a-z0-9-]+\.(myqcloud\.com|tencentcos\.cn)",
             r"service\.cos\.(myqcloud\.com|tencentcos\.cn)")
    body_limit = cat.MAX_CI_BODY_BYTES
    leniency = cat.CI_LENIENCY
    blank_is_absent = True
    error_envelope = ("application/xml", {
        "type": "object", "xml": {"name": "Error"}, "required": ["Code", "Message"],
        "properties": {k: {"type": "string"} for k in ("Code", "Message", "Resource", "RequestId", "TraceId")}})
    security_scheme: ClassVar[dict[str, Any] | None] = {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "COS signature: q-sign-algorithm=sha1&q-ak=<SecretId>&q-sign-time=…&"
                                      "q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…"}

    def vendor_phase(self, job: Any) -> str:
        return cat.JOB_STATES[job.phase.value]

    def callback_render(self, job: Any) -> Any:
        return self.jobs.callback_body

    def job_documents(self, job: Any, base_url: str) -> list[tuple[str, str, bytes]]:
        return [("GET /asr_jobs/{job_id}", "application/xml",
                 xmlio.render("Response", {"JobsDetail": self.jobs.jobs_detail(job)}))]
    strategies = "emulator.vendors.tencent.strategies"

    def __init__(self, engine: Engine, settings: Settings, region: str = "ap-guangzhou") -> None:
        super().__init__(engine, settings)
        engine.credentials.add_all(VENDOR, tencent_keys(settings))
        self.ctx = Context(engine, settings.tencent_appid, region, settings.utc_offset_hours)
        self.objects = Objects(self.ctx, self.lenient)
        self.jobs = Jobs(self.ctx, self.objects)
        self.resources = Resources(self.ctx)
        ci, cos = self._ci, self._cos
        self._operations = [
            Operation("create_job", "Create a speech job (Tag SpeechRecognition)", ci, ("POST",), "/asr_jobs",
                      host=_CI, doc=_xml_doc(cat.CI_JOB_REQUEST)),
            Operation("list_jobs", "List speech jobs", ci, ("GET",), "/asr_jobs", host=_CI,
                      doc=_query_doc(cat.CI_JOB_LIST_QUERY)),
            Operation("get_job", "Get one or several jobs (comma-separated ids)", ci, ("GET",),
                      "/asr_jobs/{job_id}", host=_CI),
            Operation("cancel_job", "Cancel a submitted job (PUT ?cancel)", ci, ("PUT",), "/asr_jobs/{job_id}",
                      host=_CI, query="cancel"),
            Operation("create_job", "Create a job on the generic jobs API", ci, ("POST",), "/jobs", host=_CI,
                      doc=_xml_doc(cat.CI_GENERIC_JOB_REQUEST)),
            Operation("list_jobs", "List jobs (tag=SpeechRecognition)", ci, ("GET",), "/jobs", host=_CI,
                      doc=_query_doc(cat.CI_JOB_LIST_QUERY)),
            Operation("get_job", "Get jobs (comma-separated ids)", ci, ("GET",), "/jobs/{job_id}", host=_CI),
            Operation("cancel_job", "Cancel a job (PUT ?cancel)", ci, ("PUT",), "/jobs/{job_id}", host=_CI,
                      query="cancel"),
            Operation("queue", "List speech queues", ci, ("GET",), "/asrqueue", host=_CI,
                      doc=_query_doc(cat.CI_QUEUE_LIST_QUERY)),
            Operation("queue", "Update a speech queue", ci, ("PUT",), "/asrqueue/{queue_id}", host=_CI,
                      doc=_xml_doc(cat.CI_QUEUE_UPDATE)),
            Operation("bucket", "Speech buckets: list", ci, ("GET",), "/asrbucket", host=_CI,
                      doc=_query_doc(cat.CI_BUCKET_LIST_QUERY)),
            Operation("bucket", "Speech buckets: open, close", ci, ("POST", "DELETE"), "/asrbucket", host=_CI),
            Operation("template", "Speech templates: list", ci, ("GET",), "/template", host=_CI,
                      doc=_query_doc(cat.CI_TEMPLATE_LIST_QUERY)),
            Operation("template", "Speech templates: create", ci, ("POST",), "/template", host=_CI,
                      doc=_xml_doc(cat.CI_TEMPLATE_REQUEST)),
            Operation("template", "Speech template: update", ci, ("PUT",), "/template/{template_id}", host=_CI,
                      doc=_xml_doc(cat.CI_TEMPLATE_REQUEST)),
            Operation("template", "Speech template: delete", ci, ("DELETE",), "/template/{template_id}", host=_CI),
            Operation("hot_vocabulary", "Hot-word tables: list", ci, ("GET",), "/asrhotvocabtable", host=_CI,
                      doc=_query_doc(cat.CI_HOT_LIST_QUERY)),
            Operation("hot_vocabulary", "Hot-word tables: create", ci, ("POST",), "/asrhotvocabtable", host=_CI,
                      doc=_xml_doc(cat.CI_HOT_CREATE)),
            Operation("hot_vocabulary", "Hot-word tables: update (TableId in the document)", ci, ("PUT",),
                      "/asrhotvocabtable", host=_CI, doc=_xml_doc(cat.CI_HOT_UPDATE)),
            Operation("hot_vocabulary", "Hot-word table: get, delete", ci, ("GET", "DELETE"),
                      "/asrhotvocabtable/{table_id}", host=_CI),
            Operation("list_objects", "List objects (GET /; ?uploads lists multipart uploads)", cos, ("GET",), "/",
                      host=_COS, doc=_query_doc(cat.COS_LIST_OBJECTS_QUERY)),
            Operation("list_uploads", "List multipart uploads (GET /?uploads)", cos, ("GET",), "/", host=_COS,
                      query="uploads", doc=_query_doc(cat.COS_LIST_UPLOADS_QUERY)),
            Operation("head_bucket", "Create (PUT), head or delete the bucket", cos, ("HEAD", "PUT", "DELETE"), "/",
                      host=_COS),
            Operation("delete_objects", "Delete several objects (POST ?delete)", cos, ("POST",), "/", host=_COS,
                      query="delete", doc=_xml_doc(cat.COS_DELETE)),
            Operation("bucket_acl", "The bucket's ACL (GET ?acl)", cos, ("GET",), "/", host=_COS, query="acl"),
            Operation("bucket_acl", "The bucket's ACL (PUT ?acl: x-cos-acl, x-cos-grant-* or a document)", cos,
                      ("PUT",), "/", host=_COS, query="acl", doc=_xml_doc(cat.COS_ACL)),
            Operation("bucket_tagging", "The bucket's tags (GET, DELETE ?tagging)", cos, ("GET", "DELETE"),
                      "/", host=_COS, query="tagging"),
            Operation("bucket_tagging", "The bucket's tags (PUT ?tagging)", cos, ("PUT",), "/", host=_COS,
                      query="tagging", doc=_xml_doc(cat.COS_TAGGING)),
            Operation("list_buckets", "GET Service: the account's buckets", cos, ("GET",), "/",
                      host="service.cos.myqcloud.com"),
            Operation("object_acl", "An object's ACL (GET ?acl)", cos, ("GET",), "/{key:path}", host=_COS,
                      query="acl"),
            Operation("object_acl", "An object's ACL (PUT ?acl: x-cos-acl, x-cos-grant-* or a document)", cos,
                      ("PUT",), "/{key:path}", host=_COS, query="acl", doc=_xml_doc(cat.COS_ACL)),
            Operation("object_tagging", "An object's tags (GET, DELETE ?tagging)", cos, ("GET", "DELETE"),
                      "/{key:path}", host=_COS, query="tagging"),
            Operation("object_tagging", "An object's tags (PUT ?tagging)", cos, ("PUT",), "/{key:path}", host=_COS,
                      query="tagging", doc=_xml_doc(cat.COS_TAGGING)),
            Operation("copy_object", "Copy an object (PUT with x-cos-copy-source)", cos, ("PUT",), "/{key:path}",
                      host=_COS, doc=_header_doc(cat.COS_COPY_HEADERS)),
            Operation("not_implemented", "Any other sub-resource: 501 NotImplemented, never another operation", cos,
                      ("GET", "PUT", "POST", "DELETE", "HEAD"), "/{key:path}", host=_COS, query="<other>"),
            Operation("put_object", "Put an object", cos, ("PUT",), "/{key:path}", host=_COS,
                      doc=_header_doc(cat.COS_PUT_HEADERS)),
            Operation("get_object", "Get an object (Range; response-* override the answer's headers)", cos, ("GET",),
                      "/{key:path}", host=_COS, doc=Doc(
                          params=(*params_of(cat.COS_GET_QUERY, "query"), *params_of(cat.COS_GET_HEADERS, "header")),
                          check=("query", "header"))),
            Operation("head_object", "Head an object", cos, ("HEAD",), "/{key:path}", host=_COS),
            Operation("delete_object", "Delete an object", cos, ("DELETE",), "/{key:path}", host=_COS),
            Operation("multipart", "Initiate a multipart upload (POST ?uploads)", cos, ("POST",), "/{key:path}",
                      host=_COS, query="uploads"),
            Operation("multipart", "Multipart upload: a part (PUT ?partNumber&uploadId)", cos, ("PUT",),
                      "/{key:path}", host=_COS, query="uploadId", doc=_query_doc(cat.COS_PART_QUERY)),
            Operation("multipart", "Multipart upload: the parts so far (GET ?uploadId)", cos, ("GET",),
                      "/{key:path}", host=_COS, query="uploadId", doc=_query_doc(cat.COS_LIST_PARTS_QUERY)),
            Operation("multipart", "Multipart upload: complete (POST ?uploadId)", cos, ("POST",), "/{key:path}",
                      host=_COS, query="uploadId", doc=Doc(
                          params=params_of(cat.COS_UPLOAD_QUERY, "query"), body=("application/xml", cat.COS_COMPLETE),
                          check=("query", "body"), body_format="xml", unknown="unknown_node")),
            Operation("multipart", "Multipart upload: abort (DELETE ?uploadId)", cos, ("DELETE",), "/{key:path}",
                      host=_COS, query="uploadId", doc=_query_doc(cat.COS_UPLOAD_QUERY)),
            Operation("post_object", "Form upload (not emulated)", cos, ("POST",), "/{key:path}", host=_COS),
        ]
        self._by_name: dict[str, list[Operation]] = {}
        for op in self._operations:
            self._by_name.setdefault(op.name, []).append(op)

    # ---- declarations ------------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        return self.target(scope) is not None

    def target(self, scope: Scope) -> Target | None:
        """The CI/COS target of a request, or None when it is not one (then the rest of the emulator answers)."""
        if scope.get("type") != "http":
            return None
        host = host_of(scope)
        hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        path = scope.get("path", "/") or "/"          # decoded once, by the server or _origin_form
        if hostname.lower() in cat.SERVICE_HOSTS:    # GET Service: the account's buckets
            return Target("", self.ctx.region, "service", path, host)
        match = HOST.match(hostname.lower())
        if match is not None:
            bucket = match.group("bucket")
            if bucket is None:                       # ci.<region>.myqcloud.com or path-style cos.<region>…
                first, _, rest = path.lstrip("/").partition("/")
                if BUCKET.match(first):
                    return Target(first, match.group("region"), match.group("kind"), "/" + rest, host)
                if match.group("kind") == "cos" and path == "/":       # GET Service by region (Node.js SDK)
                    return Target("", match.group("region"), "service", path, host)
                bucket = self.ctx.default_bucket
            return Target(self.ctx.full(bucket), match.group("region"), match.group("kind"), path, host)
        first, _, rest = path.lstrip("/").partition("/")
        if first in CI_APIS:
            return Target(self.ctx.default_bucket, self.ctx.region, "ci", path, host)
        if BUCKET.match(first):
            return Target(first, self.ctx.region, "cos", "/" + rest, host)
        return None

    def server_name(self, call: Call) -> str | None:
        target = call.context if isinstance(call.context, Target) else self.target(call.request.scope)
        return cat.CI_SERVER if target is None or target.kind == "ci" or target.api else cat.COS_SERVER

    def default_credentials(self) -> dict[str, str]:
        return {"secret_id": cat.DEFAULT_SECRET_ID, "secret_key": cat.DEFAULT_SECRET_KEY, "appid": self.ctx.appid,
                "bucket": self.ctx.default_bucket}

    def env_lines(self, base_url: str) -> list[str]:
        return [f"# Tencent CI/COS: CosConfig(Proxies={{'http': '{base_url}'}}, Scheme='http') with the SecretId "
                f"above; the default bucket is {self.ctx.default_bucket}"]

    def streams_body(self, request: Request) -> bool:
        """Object and part uploads are received in chunks, to a file when large, not held in memory."""
        target = self.target(request.scope)
        return target is not None and target.api is None and target.kind == "cos" and request.method == "PUT" \
            and bool(target.key) and subresource(request.query_params, False) in (None, "uploads") \
            and "x-cos-copy-source" not in request.headers

    def body_limit_for(self, request: Request) -> int:
        target = self.target(request.scope)
        return cat.MAX_COS_OBJECT_BYTES if target is not None and target.api is None else cat.MAX_CI_BODY_BYTES

    # ---- the envelope: XML with Code, Message, Resource, RequestId, TraceId ---------------------------------

    def error_response(self, call: Call, exc: VendorError) -> Response:
        request_id = self._request_id(call)
        headers = {"x-cos-request-id": request_id, "x-ci-request-id": request_id}
        if call.request.method == "HEAD":
            return xmlio.raw_response(b"", exc.status, headers)
        target = call.context if isinstance(call.context, Target) else None
        host = target.host if target is not None else call.request.headers.get("host", "")
        body = xmlio.render("Error", {"Code": exc.code, "Message": exc.message,
                                      "Resource": f"{host}{call.request.url.path}", "RequestId": request_id,
                                      "TraceId": hashlib.sha256(request_id.encode()).hexdigest()[:48]})
        return xmlio.raw_response(body, exc.status, headers)

    def internal_error(self, exc: BaseException) -> VendorError:
        return CiError("InternalError")

    def throttled(self) -> VendorError:
        return CiError(cat.CI_THROTTLE_CODE)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return CiError(fault.code or "InternalError", fault.message or "", fault.status)

    def too_large(self, request: Request) -> VendorError:
        target = self.target(request.scope)
        api = target.api if target is not None else None
        return CiError("EntityTooLarge" if api is None else "InvalidArgument", "The request body is too large.")

    def _request_id(self, call: Call) -> str:
        request_id: str | None = call.request.scope.setdefault("state", {}).get("ci_request_id")
        if request_id is None:
            request_id = self.engine.new_id().replace("-", "")[:32]
            call.request.scope["state"]["ci_request_id"] = request_id
        return request_id

    # ---- routing and the COS signature -------------------------------------------------------------------

    async def route(self, call: Call) -> Operation:
        target = self.target(call.request.scope)
        assert target is not None        # claimed
        call.context = target
        self._request_id(call)
        return self._pick(_operation(call.request, target), call.request, target.path)

    def _pick(self, name: str, request: Request, path: str) -> Operation:
        """The declared operation of that name for this method, path and sub-resource (each has its own
        declaration)."""
        method = request.method
        names = {k.lower() for k in request.query_params}
        found = [op for op in self._by_name[name] if method in op.methods or (method == "HEAD" and "GET" in op.methods)]
        found = [op for op in found if op.match(path.rstrip("/") or "/") is not None] or found or self._by_name[name]
        return next((op for op in found if op.query.split("=")[0].lower() in names), found[0])

    def read_body(self, call: Call, doc: Doc) -> Any:
        """An XML document (``Doc.body_format`` ``xml``: its root named by the schema's ``xml.name``); one the schema
        lets be null may be left out (PUT ?acl)."""
        schema = doc.body[1] if doc.body else {}
        if not call.body.strip() and "null" in schema.get("type", ()):
            return None
        try:
            return xmlio.parse(call.body, schema.get("xml", {}).get("name", "Request"))
        except xmlio.XmlProblem as exc:
            raise Invalid(Problem("body", (), "json", str(exc), {})) from None

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        """MissingContent or MalformedXML for a body that cannot be read; InvalidArgument otherwise, naming the
        node or parameter (a field's ``x-message``: the service's own words)."""
        if problem.kind == "json":
            return CiError("MissingContent") if not call.body.strip() else CiError("MalformedXML", problem.message)
        target = call.context if isinstance(call.context, Target) else None
        if problem.part == "body" and target is not None and target.api is None:     # a COS document
            return CiError(str(problem.schema.get("x-error") or "MalformedXML"), problem.message)
        where = f"Request.{problem.dotted}" if problem.part == "body" and problem.path else problem.dotted
        said = problem.schema.get("x-message")
        if problem.kind == "unknown":
            message = f"{where}.{problem.names[0]} is not a node of this request" if problem.path else \
                f"{'Request' if problem.part == 'body' else problem.part}.{problem.names[0]} is not a " \
                f"{'node' if problem.part == 'body' else 'parameter'} of this request"
        elif problem.kind == "required":
            message = f"{problem.dotted} is required"
        elif problem.kind == "type" and isinstance(problem.value, list) and "string" in type_words(problem.schema):
            message = f"{where} must be text, once"         # a repeated element
        elif said:
            message = str(said)
            if problem.path == ("Tag",) and problem.value and target is not None and target.api == "jobs":
                message += " (the emulator runs speech recognition jobs only)"
        else:
            message = problem.message
        return CiError("InvalidArgument", message)

    async def authenticate(self, call: Call) -> str:
        request, target = call.request, call.context
        assert isinstance(target, Target)
        query = {k.lower(): v for k, v in parse_qsl(request.url.query, keep_blank_values=True)}
        header = request.headers.get("authorization", "")
        if header:
            sig = CosSignature.from_header(header)
        elif "q-signature" in query:
            sig = CosSignature.parse(query)
        else:
            sig = None
        verdict = self.engine.credentials.verdict(VENDOR, sig.access_key if sig is not None else "")
        call.credential = sig.access_key if sig is not None else ""
        if not verdict.check:
            return target.bucket
        if not header and "q-signature" not in query:
            raise CiError("AccessDenied", cat.ACCESS_DENIED)
        if sig is None:
            raise CiError("AccessDenied", "The Authorization header is not a COS signature.")
        window = sig.window()
        if window is None:
            raise CiError("AccessDenied", "q-sign-time is malformed.")
        if not window[0] - 5 <= time.time() <= window[1] and (
                verdict.strict or not self.lenient(request, "expired_signature")):
            raise CiError("AccessDenied", "Request has expired")
        if verdict.refused or (not verdict.known and not self.lenient(request, "unknown_secret_id")):
            raise CiError("InvalidAccessKeyId")
        if verdict.secret is None:
            return target.bucket
        headers = {k.lower(): v for k, v in request.headers.items()}
        headers["host"] = target.host
        params = {k: v for k, v in query.items() if k not in FIELDS}
        # the path the SDKs sign is the key as given, i.e. the request path decoded once (never twice: a key
        # holding "%2F" is signed as such); path-style requests may sign it with or without the bucket
        paths = dict.fromkeys([request.scope.get("path", "/"), target.path])
        if not any(verify(sig, verdict.secret, request.method, path, params, headers) for path in paths):
            raise CiError("SignatureDoesNotMatch")
        return target.bucket

    # ---- handlers ----------------------------------------------------------------------------------------

    async def _ci(self, call: Call) -> Response:
        request, target = call.request, call.context
        assert isinstance(target, Target)
        request_id = self._request_id(call)
        api, method, rest = target.api, request.method, target.rest
        headers = {"x-ci-request-id": request_id}

        def answer(doc: dict[str, Any]) -> Response:
            return xmlio.response("Response", doc, headers=headers)

        if api in ("asr_jobs", "jobs"):
            if method == "POST" and not rest:
                job = await self.jobs.create(call, target, generic=api == "jobs")
                call.note(job_id=job.id)
                return answer({"JobsDetail": self.jobs.jobs_detail(job, submitted=True)})
            if method == "GET" and rest:
                return answer(self.jobs.get(target, rest))
            if method == "GET":
                return answer(self.jobs.list(call.input["query"], target))
            if method == "PUT" and rest and "cancel" in request.query_params:
                return answer(self.jobs.cancel(target, rest, request_id))
        elif api == "asrqueue":
            if method == "GET" and not rest:
                return answer(self.resources.queues(call.input["query"], target, request_id))
            if method == "PUT" and rest:
                return answer(self.resources.update_queue(target, rest, call.input["body"], request_id))
        elif api == "asrbucket":
            if method == "GET":
                return answer(self.resources.buckets(call.input["query"], request_id))
            if method == "POST":
                return answer(self.resources.open_bucket(target, request_id))
            if method == "DELETE":
                return answer(self.resources.close_bucket(target, request_id))
        elif api == "template":
            return answer(self.resources.template(call, target, rest, request_id))
        elif api == "asrhotvocabtable":
            return answer(self.resources.hot_vocabulary(call, target, rest, request_id))
        raise CiError("MethodNotAllowed")

    async def _cos(self, call: Call) -> Response:
        target = call.context
        assert isinstance(target, Target)
        if target.kind == "ci":
            raise CiError("NoSuchResource", "CI serves its APIs on this host, not objects.", 404)
        request_id = self._request_id(call)
        if target.kind == "service":
            return self.objects.service(call.request, target, request_id)
        if self.streams_body(call.request):
            try:
                incoming = await receive(call.request.stream(), cat.MAX_COS_OBJECT_BYTES)
            except TooLarge:
                raise self.too_large(call.request).closing() from None
            try:
                return await asyncio.to_thread(self.objects.handle, call.request, target, b"", request_id, incoming,
                                               call.input)
            finally:
                incoming.discard()          # unless the store took the file
        if len(call.body) > OBJECT_THREAD_BYTES or call.request.method == "GET":
            # hashing, writing or reading a large object is CPU and disk work: off the event loop
            return await asyncio.to_thread(self.objects.handle, call.request, target, call.body, request_id, None,
                                           call.input)
        return self.objects.handle(call.request, target, call.body, request_id, None, call.input)


def _xml_doc(schema: dict[str, Any]) -> Doc:
    """An XML request document's declaration: checked before the handler, unknown nodes under ``unknown_node``."""
    return Doc(body=("application/xml", schema), check=("body",), body_format="xml", unknown="unknown_node")


def _header_doc(schema: dict[str, Any]) -> Doc:
    return Doc(params=params_of(schema, "header"), check=("header",))


def _query_doc(schema: dict[str, Any]) -> Doc:
    return Doc(params=params_of(schema, "query"), check=("query",))


def _operation(request: Request, target: Target) -> str:
    method, q = request.method, request.query_params
    api = target.api
    if target.kind == "service":
        return "list_buckets"
    if api is None:
        sub = subresource(q, bucket_level=not target.key)
        if sub is not None and sub.startswith("unsupported:"):
            return "not_implemented"
        if sub in ("acl", "tagging"):
            return f"{'object' if target.key else 'bucket'}_{sub}"
        if not target.key:
            if sub == "delete":
                return "delete_objects"
            if method == "GET":
                return "list_uploads" if sub == "uploads" else "list_objects"
            return "head_bucket"
        if sub == "uploads":
            return "multipart"
        if method == "PUT" and "x-cos-copy-source" in request.headers:
            return "copy_object"
        return {"PUT": "put_object", "GET": "get_object", "HEAD": "head_object", "DELETE": "delete_object",
                "POST": "post_object"}.get(method, "get_object")
    if api in ("asr_jobs", "jobs"):
        if method == "POST":
            return "create_job"
        if method == "PUT":
            return "cancel_job"
        return "get_job" if target.rest else "list_jobs"
    return {"asrqueue": "queue", "template": "template", "asrbucket": "bucket",
            "asrhotvocabtable": "hot_vocabulary"}.get(api, "queue")


__all__ = ["BUCKET", "HOST", "TencentCi"]
