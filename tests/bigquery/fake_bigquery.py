"""A local HTTP server that speaks enough of the BigQuery REST API v2 for google-cloud-bigquery's real client.

It runs no SQL. It records every request (method, path, query string, headers, JSON body) and answers with
canned, well-formed resources: a query job's result is the first `on_query(match, ...)` whose `match` is in
the SQL text (default: no rows), a dry run reports `bytes_processed`, every job is DONE at once. It keeps
datasets and tables (metadata only) so get/insert/delete behave, accepts Parquet uploads for load jobs
(multipart and resumable, as the client chooses by size) and keeps their bytes, and serves an OAuth token
endpoint (`/token`) for credential tests. `fail(...)` injects HTTP errors.

Endpoints (paths as google.cloud.bigquery 3.x builds them, under the client's api_endpoint):
  POST   /bigquery/v2/projects/{p}/jobs                          jobs.insert
  GET    /bigquery/v2/projects/{p}/jobs/{id}                     jobs.get
  POST   /bigquery/v2/projects/{p}/jobs/{id}/cancel              jobs.cancel
  GET    /bigquery/v2/projects/{p}/queries/{id}                  jobs.getQueryResults (paged)
  GET|POST|DELETE /bigquery/v2/projects/{p}/datasets[/{d}]       datasets.get/insert/delete
  GET|POST|DELETE /bigquery/v2/projects/{p}/datasets/{d}/tables[/{t}]   tables.get/insert/delete
  GET    .../tables/{t}/data                                     tabledata.list (always empty)
  POST   .../tables/{t}/insertAll                                streaming insert: recorded, refused
  POST   /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart|resumable, PUT ...&upload_id=  load jobs
  POST   /token                                                  OAuth2 token (ok or invalid_grant)
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PROJECT = "test-project"
CONFIG = {"backend": "bigquery", "project": PROJECT, "location": "EU", "maximum_bytes_billed": 5_000_000_000}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON (multipart: the metadata part), else None
    raw: bytes = b""


@dataclass
class Canned:
    match: str
    schema: list[dict]
    rows: list[list]
    error: dict | None = None
    times: int | None = None  # None: every time
    bytes_processed: int = 0


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int
    reason: str
    message: str
    times: int


@dataclass
class Job:
    resource: dict
    schema: list[dict] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    has_result: bool = False


def _field(spec) -> dict:
    if isinstance(spec, dict):
        return spec
    name, type_, *mode = spec
    return {"name": name, "type": type_, "mode": mode[0] if mode else "NULLABLE"}


def _cell(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ in ("BOOL", "BOOLEAN"):
        return "true" if value else "false"
    if type_ == "TIMESTAMP":  # the client asks for formatOptions.useInt64Timestamp
        if isinstance(value, dt.datetime):
            value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            delta = value - EPOCH
            return str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if type_ == "BYTES" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def encode_row(schema: list[dict], row: list) -> dict:
    cells = []
    for spec, value in zip(schema, row, strict=True):
        if spec.get("mode") == "REPEATED":
            cells.append({"v": [{"v": _cell(v, spec["type"])} for v in (value or [])]})
        else:
            cells.append({"v": _cell(value, spec["type"])})
    return {"f": cells}


def _ms(now: float | None = None) -> str:
    return str(int((now or time.time()) * 1000))


def error_body(status: int, reason: str, message: str) -> dict:
    statuses = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        409: "ALREADY_EXISTS",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": statuses.get(status, "UNKNOWN"),
        }
    }


class FakeBigQuery:
    def __init__(self, page_size: int = 1000):
        self.page_size = page_size
        self.requests: list[Request] = []
        self.datasets: dict[str, dict] = {}  # "p.d" -> resource
        self.tables: dict[str, dict] = {}  # "p.d.t" -> resource
        self.jobs: dict[str, Job] = {}
        self.uploads: dict[str, bytes] = {}  # load job id -> the uploaded file
        self.canned: list[Canned] = []
        self.faults: list[Fault] = []
        self.token_ok = True
        self._sessions: dict[str, dict] = {}  # resumable upload id -> {"metadata", "data"}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> FakeBigQuery:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, project: str = "test-project", location: str = "US", credentials=None):
        """A real google.cloud.bigquery.Client pointed at this server (anonymous unless `credentials`)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(
            project=project,
            location=location,
            credentials=credentials or AnonymousCredentials(),
            client_options={"api_endpoint": self.endpoint},
        )

    # -- configuration -------------------------------------------------------------------------------------
    def on_query(
        self,
        match: str,
        schema=(),
        rows=(),
        *,
        error: dict | None = None,
        times: int | None = None,
        bytes_processed: int = 0,
    ) -> None:
        """Jobs whose SQL contains `match` return `rows` (Python values) with `schema` ((name, type[, mode])
        tuples), or fail with `error` ({"reason", "message"}); the newest matching rule wins."""
        self.canned.insert(
            0, Canned(match, [_field(s) for s in schema], [list(r) for r in rows], error, times, bytes_processed)
        )

    def fail(self, method: str, path_regex: str, status: int, reason: str, message: str, times: int = 1) -> None:
        """The next `times` requests matching `method` and `path_regex` get an HTTP error."""
        self.faults.append(Fault(method, re.compile(path_regex), status, reason, message, times))

    # -- what was sent -------------------------------------------------------------------------------------
    def job_inserts(self) -> list[dict]:
        """The job resources the client sent (jobs.insert bodies and upload metadata), in order."""
        return [
            r.body
            for r in self.requests
            if r.method == "POST"
            and isinstance(r.body, dict)
            and "configuration" in r.body
            and (r.path.endswith("/jobs"))
        ]

    def queries(self) -> list[dict]:
        """The `configuration` of every query job inserted (each has query, queryParameters, ...; labels and
        dryRun sit beside it, so the whole configuration is returned)."""
        return [b["configuration"] for b in self.job_inserts() if "query" in b["configuration"]]

    def sql_texts(self) -> list[str]:
        return [c["query"]["query"] for c in self.queries()]

    # -- request handling (called from the handler threads) --------------------------------------------------
    def handle(self, method: str, url: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict, Any]:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        body: Any = None
        content_type = headers.get("content-type", "")
        if raw and "application/json" in content_type:
            body = json.loads(raw)
        elif raw and content_type.startswith("multipart/related"):
            body, _ = _multipart(raw, content_type)
        with self._lock:
            self.requests.append(Request(method, parts.path, query, headers, body, raw))
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(parts.path):
                    fault.times -= 1
                    return fault.status, {}, error_body(fault.status, fault.reason, fault.message)
            return self._route(method, parts.path, query, headers, body, raw, content_type)

    def _route(self, method, path, query, headers, body, raw, content_type):
        base = r"^/bigquery/v2/projects/(?P<p>[^/]+)"
        routes = [
            ("POST", base + r"/jobs$", self._jobs_insert),
            ("GET", base + r"/jobs/(?P<j>[^/]+)$", self._jobs_get),
            ("POST", base + r"/jobs/(?P<j>[^/]+)/cancel$", self._jobs_cancel),
            ("GET", base + r"/queries/(?P<j>[^/]+)$", self._query_results),
            ("GET", base + r"/datasets/(?P<d>[^/]+)$", self._dataset_get),
            ("POST", base + r"/datasets$", self._dataset_insert),
            ("DELETE", base + r"/datasets/(?P<d>[^/]+)$", self._dataset_delete),
            ("GET", base + r"/datasets/(?P<d>[^/]+)/tables/(?P<t>[^/]+)$", self._table_get),
            ("POST", base + r"/datasets/(?P<d>[^/]+)/tables$", self._table_insert),
            ("DELETE", base + r"/datasets/(?P<d>[^/]+)/tables/(?P<t>[^/]+)$", self._table_delete),
            ("GET", base + r"/datasets/(?P<d>[^/]+)/tables/(?P<t>[^/]+)/data$", self._tabledata_list),
            ("POST", base + r"/datasets/(?P<d>[^/]+)/tables/(?P<t>[^/]+)/insertAll$", self._insert_all),
            ("POST", r"^/upload/bigquery/v2/projects/(?P<p>[^/]+)/jobs$", self._upload_start),
            ("PUT", r"^/upload/bigquery/v2/projects/(?P<p>[^/]+)/jobs$", self._upload_put),
            ("POST", r"^/token$", self._token),
        ]
        for verb, pattern, handler in routes:
            found = re.match(pattern, path)
            if verb == method and found:
                return handler(
                    query=query, headers=headers, body=body, raw=raw, content_type=content_type, **found.groupdict()
                )
        return 404, {}, error_body(404, "notFound", f"fake BigQuery: no route for {method} {path}")

    # -- jobs ----------------------------------------------------------------------------------------------
    def _new_job(self, p: str, body: dict) -> tuple[int, dict, Any]:
        ref = dict(body.get("jobReference") or {})
        job_id = ref.get("jobId") or f"job_{uuid.uuid4().hex}"
        location = ref.get("location") or "US"
        if job_id in self.jobs:
            return 409, {}, error_body(409, "duplicate", f"Already Exists: Job {p}:{location}.{job_id}")
        config = body["configuration"]
        now = time.time()
        resource = {
            "kind": "bigquery#job",
            "etag": uuid.uuid4().hex,
            "id": f"{p}:{location}.{job_id}",
            "selfLink": f"https://bigquery.googleapis.com/bigquery/v2/projects/{p}/jobs/{job_id}?location={location}",
            "user_email": "fake@example.com",
            "jobReference": {"projectId": p, "jobId": job_id, "location": location},
            "configuration": config,
            "status": {"state": "DONE"},
            "statistics": {"creationTime": _ms(now), "startTime": _ms(now), "endTime": _ms(now)},
        }
        job = Job(resource)
        if "query" in config:
            canned = self._canned(config["query"]["query"])
            processed = str(canned.bytes_processed if canned else 0)
            if config.get("dryRun"):
                if canned and canned.error:  # a dry run is validated synchronously: the insert itself fails
                    reason = canned.error.get("reason", "invalidQuery")
                    status = 404 if reason == "notFound" else 400
                    return status, {}, error_body(status, reason, canned.error["message"])
                del resource["jobReference"]["jobId"]  # the real API gives dry runs no job id
                resource["statistics"] = {
                    "creationTime": _ms(now),
                    "totalBytesProcessed": processed,
                    "query": {"totalBytesProcessed": processed, "statementType": "SELECT"},
                }
                return 200, {}, resource
            resource["statistics"]["totalBytesProcessed"] = processed
            resource["statistics"]["query"] = {
                "totalBytesProcessed": processed,
                "totalBytesBilled": processed,
                "cacheHit": False,
                "statementType": "SELECT",
            }
            if canned and canned.error:
                error = {
                    "reason": canned.error.get("reason", "invalidQuery"),
                    "message": canned.error["message"],
                    "location": "query",
                }
                resource["status"] = {"state": "DONE", "errorResult": error, "errors": [error]}
            else:
                job.schema = canned.schema if canned else []
                job.rows = canned.rows if canned else []
                job.has_result = bool(job.schema)
        elif "load" in config:
            load = config["load"]
            dest = load["destinationTable"]
            key = f"{dest['projectId']}.{dest['datasetId']}.{dest['tableId']}"
            rows = _parquet_rows(self.uploads.get(job_id, b""))
            old = self.tables.get(key) or _table_resource(dest, {})
            self.tables[key] = {**old, "schema": load.get("schema", old.get("schema")), "numRows": str(rows)}
            resource["statistics"]["load"] = {"outputRows": str(rows), "inputFiles": "1"}
        self.jobs[job_id] = job
        return 200, {}, resource

    def _canned(self, sql: str) -> Canned | None:
        for canned in self.canned:
            if canned.match in sql and (canned.times is None or canned.times > 0):
                if canned.times is not None:
                    canned.times -= 1
                return canned
        return None

    def _jobs_insert(self, p, body, **_):
        return self._new_job(p, body)

    def _jobs_get(self, p, j, **_):
        job = self.jobs.get(j)
        if job is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Job {p}:{j}")
        return 200, {}, job.resource

    def _jobs_cancel(self, p, j, **_):
        job = self.jobs.get(j)
        if job is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Job {p}:{j}")
        return 200, {}, {"kind": "bigquery#jobCancelResponse", "job": job.resource}

    def _query_results(self, p, j, query, **_):
        job = self.jobs.get(j)
        if job is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Job {p}:{j}")
        error = job.resource["status"].get("errorResult")
        if error:
            return 400, {}, error_body(400, error["reason"], error["message"])
        out: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job.resource["jobReference"],
            "jobComplete": True,
            "cacheHit": False,
            "totalBytesProcessed": job.resource["statistics"].get("totalBytesProcessed", "0"),
        }
        if not job.has_result:
            return 200, {}, out
        start = int(query.get("pageToken") or query.get("startIndex") or 0)
        limit = int(query["maxResults"]) if "maxResults" in query else self.page_size
        limit = min(limit, self.page_size)
        out["schema"] = {"fields": job.schema}
        out["totalRows"] = str(len(job.rows))
        if limit > 0:
            page = job.rows[start : start + limit]
            out["rows"] = [encode_row(job.schema, row) for row in page]
            if start + limit < len(job.rows):
                out["pageToken"] = str(start + limit)
        return 200, {}, out

    # -- datasets and tables -------------------------------------------------------------------------------
    def _dataset_get(self, p, d, **_):
        found = self.datasets.get(f"{p}.{d}")
        if found is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Dataset {p}:{d}")
        return 200, {}, found

    def _dataset_insert(self, p, body, **_):
        ref = body["datasetReference"]
        key = f"{ref['projectId']}.{ref['datasetId']}"
        if key in self.datasets:
            return 409, {}, error_body(409, "duplicate", f"Already Exists: Dataset {p}:{ref['datasetId']}")
        self.datasets[key] = {
            **body,
            "kind": "bigquery#dataset",
            "id": f"{p}:{ref['datasetId']}",
            "etag": uuid.uuid4().hex,
            "creationTime": _ms(),
            "lastModifiedTime": _ms(),
        }
        return 200, {}, self.datasets[key]

    def _dataset_delete(self, p, d, **_):
        if self.datasets.pop(f"{p}.{d}", None) is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Dataset {p}:{d}")
        return 204, {}, None

    def _table_get(self, p, d, t, **_):
        found = self.tables.get(f"{p}.{d}.{t}")
        if found is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Table {p}:{d}.{t}")
        return 200, {}, found

    def _table_insert(self, p, d, body, **_):
        ref = body["tableReference"]
        key = f"{ref['projectId']}.{ref['datasetId']}.{ref['tableId']}"
        if f"{ref['projectId']}.{ref['datasetId']}" not in self.datasets:
            return 404, {}, error_body(404, "notFound", f"Not found: Dataset {p}:{d}")
        if key in self.tables:
            return 409, {}, error_body(409, "duplicate", f"Already Exists: Table {p}:{d}.{ref['tableId']}")
        self.tables[key] = _table_resource(ref, body)
        return 200, {}, self.tables[key]

    def _table_delete(self, p, d, t, **_):
        if self.tables.pop(f"{p}.{d}.{t}", None) is None:
            return 404, {}, error_body(404, "notFound", f"Not found: Table {p}:{d}.{t}")
        return 204, {}, None

    def _tabledata_list(self, p, d, t, **_):
        if f"{p}.{d}.{t}" not in self.tables:
            return 404, {}, error_body(404, "notFound", f"Not found: Table {p}:{d}.{t}")
        return 200, {}, {"kind": "bigquery#tableDataList", "totalRows": "0", "rows": []}

    def _insert_all(self, p, d, t, **_):
        return 400, {}, error_body(400, "invalid", "fake BigQuery: streaming inserts are not allowed")

    # -- uploads (load jobs) -------------------------------------------------------------------------------
    def _upload_start(self, p, query, headers, raw, content_type, **_):
        kind = query.get("uploadType")
        if kind == "multipart":
            metadata, data = _multipart(raw, content_type)
            job_id = metadata["jobReference"]["jobId"]
            self.uploads[job_id] = data
            return self._new_job(p, metadata)
        if kind == "resumable":
            upload_id = uuid.uuid4().hex
            self._sessions[upload_id] = {"metadata": json.loads(raw), "data": b""}
            location = (
                f"{self.endpoint}/upload/bigquery/v2/projects/{p}/jobs?uploadType=resumable&upload_id={upload_id}"
            )
            return 200, {"Location": location}, None
        return 400, {}, error_body(400, "invalid", f"unknown uploadType {kind!r}")

    def _upload_put(self, p, query, headers, raw, **_):
        session = self._sessions.get(query.get("upload_id", ""))
        if session is None:
            return 404, {}, error_body(404, "notFound", "no such upload session")
        session["data"] += raw
        total = headers.get("content-range", "").rpartition("/")[2]
        if total != "*" and int(total) == len(session["data"]):
            metadata = session["metadata"]
            self.uploads[metadata["jobReference"]["jobId"]] = session["data"]
            return self._new_job(p, metadata)
        return 308, {"Range": f"bytes=0-{len(session['data']) - 1}"}, None

    # -- OAuth ---------------------------------------------------------------------------------------------
    def _token(self, **_):
        if self.token_ok:
            return 200, {}, {"access_token": "fake-token", "expires_in": 3600, "token_type": "Bearer"}
        return 400, {}, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}


def _table_resource(ref: dict, body: dict) -> dict:
    return {
        **body,
        "kind": "bigquery#table",
        "id": f"{ref['projectId']}:{ref['datasetId']}.{ref['tableId']}",
        "tableReference": ref,
        "etag": uuid.uuid4().hex,
        "type": "TABLE",
        "creationTime": _ms(),
        "lastModifiedTime": _ms(),
        "numRows": "0",
        "numBytes": "0",
        "location": "US",
    }


def _multipart(raw: bytes, content_type: str) -> tuple[dict, bytes]:
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
    parts = raw.split(b"--" + boundary)
    payloads = []
    for part in parts[1:]:
        if part.startswith(b"--"):
            break
        _, _, content = part.partition(b"\r\n\r\n")
        payloads.append(content[:-2] if content.endswith(b"\r\n") else content)
    return json.loads(payloads[0]), payloads[1]


def _parquet_rows(data: bytes) -> int:
    if not data:
        return 0
    import pyarrow.parquet as pq

    return pq.ParquetFile(io.BytesIO(data)).metadata.num_rows


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server_state: FakeBigQuery

    def log_message(self, format, *args):  # keep pytest output quiet
        pass

    def _serve(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, payload = self.server_state.handle(self.command, self.path, headers, raw)
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for key, value in extra.items():
            self.send_header(key, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve
