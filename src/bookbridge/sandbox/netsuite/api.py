"""Routes under ``/services/rest/``: records, SuiteQL, governance limits and async jobs.

Every route raises :class:`~bookbridge.sandbox.netsuite.errors.NsError` to refuse; the server
turns it into NetSuite's error body. Authentication, concurrency governance and fault injection
happen before a route runs (see :mod:`bookbridge.sandbox.netsuite.server`).

Async requests (``Prefer: respond-async``) are modelled as NetSuite documents them [N8]: the write
is accepted as a job (202 + ``Location`` of the job); a repeat carrying the same
``X-NetSuite-Idempotency-Key`` is refused with ``IDEMPOTENCY_ERROR`` and the earlier job's
``Location``. The sandbox runs the job at once, so it is complete when first polled.
"""

from __future__ import annotations

from typing import Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.netsuite import errors, records, suiteql
from bookbridge.sandbox.netsuite.records import RecordContext

REST = "/services/rest"
SUITEQL = f"{REST}/query/v1/suiteql"
GOVERNANCE = f"{REST}/system/v1/governanceLimits"
ASYNC_JOBS = f"{REST}/async/v1/job"
MAX_LIMIT = 1000
MAX_ROWS = 100_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_write(request: Request) -> bool:
    return request.method in WRITE_METHODS and request.path.rstrip("/") != SUITEQL


def parse_body(request: Request) -> Any:
    if not request.body.strip():
        raise errors.invalid_content("The request body is empty.")
    try:
        return jsonio.loads(request.body)
    except ValueError as exc:
        raise errors.invalid_content(f"The request body is not valid JSON: {exc}") from None


def route(ctx: RecordContext, request: Request, *, concurrency: int) -> Response:
    """Answer one API request."""
    path = request.path.rstrip("/")
    if path == SUITEQL and request.method == "POST":
        return run_suiteql(ctx, request)
    if path == GOVERNANCE and request.method == "GET":
        return Response.json(200, {"accountConcurrencyLimit": concurrency, "accountUnallocatedConcurrencyLimit":
                                   concurrency, "integrationLimitType": "accountLimit"})
    if path.startswith(ASYNC_JOBS + "/") and request.method == "GET":
        return job_answer(ctx, path[len(ASYNC_JOBS) + 1:].split("/"))
    if path.startswith(records.RECORD_PATH + "/"):
        parts = path[len(records.RECORD_PATH) + 1:].split("/")
        if request.method != "GET" and request.header("prefer").lower() == "respond-async":
            return run_async(ctx, request, parts)
        return record_route(ctx, request, parts)
    raise errors.NsError(404, "NONEXISTENT_ID", f"The path {request.path} does not exist.")


def record_route(ctx: RecordContext, request: Request, parts: list[str]) -> Response:
    record_type = parts[0]
    key = parts[1] if len(parts) > 1 else None
    strict = request.header("x-netsuite-propertynamevalidation").lower() == "error"
    if len(parts) > 2:
        raise errors.NsError(404, "NONEXISTENT_ID", "Sub-resources are not modelled by this sandbox.")
    if request.method == "GET" and key:
        _, body = records.find(ctx, record_type, key)
        fields = request.param("fields")
        shown = records.represent(ctx, record_type, body, fields=fields.split(",") if fields else None,
                                  expand=(request.param("expandSubResources") or "").lower() == "true")
        return Response.json(200, shown)
    if request.method == "POST" and key is None:
        record_id, _ = records.save(ctx, record_type, parse_body(request), strict_names=strict)
        return _created(ctx, record_type, record_id)
    if request.method == "PUT" and key and key.startswith("eid:"):
        record_id, _ = records.save(ctx, record_type, parse_body(request), strict_names=strict, external_id=key[4:])
        return _created(ctx, record_type, record_id)
    if request.method == "PATCH" and key:
        records.patch(ctx, record_type, key, parse_body(request), strict_names=strict)
        return Response(204)
    if request.method == "DELETE" and key:
        records.delete(ctx, record_type, key)
        return Response(204)
    raise errors.NsError(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed on {request.path}.")


def _created(ctx: RecordContext, record_type: str, record_id: str) -> Response:
    return Response(204, b"", {"Location": ctx.href(record_type, record_id)})


def run_suiteql(ctx: RecordContext, request: Request) -> Response:
    if request.header("prefer").lower() != "transient":
        raise errors.invalid_parameter("SuiteQL queries need the header Prefer: transient.")
    body = parse_body(request)
    statement = body.get("q") if isinstance(body, dict) else None
    try:
        limit = int(request.param("limit") or MAX_LIMIT)
        offset = int(request.param("offset") or 0)
    except ValueError:
        raise errors.invalid_parameter("limit and offset must be whole numbers.") from None
    if not 1 <= limit <= MAX_LIMIT or offset < 0 or offset % limit:
        raise errors.invalid_parameter(f"The limit must be between 1 and {MAX_LIMIT} and the offset a multiple of it.")
    if offset + limit > MAX_ROWS:
        raise errors.invalid_parameter(f"SuiteQL returns at most {MAX_ROWS} rows per query; narrow the query.")
    query = suiteql.parse(str(statement or ""), ctx.store.columns)
    with ctx.store.lock:
        rows = query.run(ctx.store.rows(query.table))
    page = rows[offset:offset + limit]
    has_more = offset + limit < len(rows)
    here = f"{ctx.base_url}{SUITEQL}?limit={limit}&offset={offset}"
    links = [{"rel": "self", "href": here}]
    if has_more:
        links.append({"rel": "next", "href": f"{ctx.base_url}{SUITEQL}?limit={limit}&offset={offset + limit}"})
    return Response.json(200, {"links": links, "count": len(page), "hasMore": has_more,
                               "items": [{"links": [], **row} for row in page], "offset": offset,
                               "totalResults": len(rows)})


def run_async(ctx: RecordContext, request: Request, parts: list[str]) -> Response:
    key = request.header("x-netsuite-idempotency-key") or None
    with ctx.store.transaction():
        if key is not None:
            earlier = ctx.store.job_for_key(key)
            if earlier is not None:
                raise errors.NsError(400, "IDEMPOTENCY_ERROR", "A request with this idempotency key was already "
                                     "accepted; see the earlier job.", title="Conflict",
                                     headers={"Location": f"{ctx.base_url}{ASYNC_JOBS}/{earlier}"})
        try:
            answer = record_route(ctx, request, parts)
            result: dict[str, Any] = {"status": answer.status, "location": answer.headers.get("Location"), "body": None}
        except errors.NsError as refusal:
            result = {"status": refusal.status, "location": None, "body": refusal.body()}
        job_id = ctx.store.new_id()
        ctx.store.save_job(job_id, {"id": job_id, "completed": True,
                                    "progress": "succeeded" if result["status"] < 300 else "failed",
                                    "createdDate": ctx.stamp(), "result": result}, key)
    return Response(202, b"", {"Location": f"{ctx.base_url}{ASYNC_JOBS}/{job_id}"})


def job_answer(ctx: RecordContext, parts: list[str]) -> Response:
    job = ctx.store.job(parts[0])
    if job is None:
        raise errors.not_found()
    href = f"{ctx.base_url}{ASYNC_JOBS}/{job['id']}"
    if len(parts) == 1:
        return Response.json(200, {"links": [{"rel": "self", "href": href}], "id": job["id"], "completed": job["completed"],
                                   "progress": job["progress"], "createdDate": job["createdDate"],
                                   "task": {"links": [{"rel": "self", "href": f"{href}/task"}]}})
    if parts[1:] == ["task", "1", "result"]:
        result = job["result"]
        if result["body"] is not None:
            return Response.json(result["status"], result["body"], {"Content-Type": errors.CONTENT_TYPE})
        headers = {"Location": result["location"]} if result["location"] else {}
        return Response(result["status"], b"", headers)
    raise errors.not_found()
