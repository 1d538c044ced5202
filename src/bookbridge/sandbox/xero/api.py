"""Routes under ``/api.xro/2.0/``: the collections Bookbridge reads and writes, and attachments.

Every route raises :class:`~bookbridge.sandbox.xero.errors.XeroRefusal` to refuse; the server turns
it into Xero's answer. Authentication, the tenant header, rate limits, fault injection and
``Idempotency-Key`` replay happen before a route runs (see :mod:`bookbridge.sandbox.xero.server`).

Writes: the body is checked against Xero's OpenAPI schema first (a broken envelope is a
PostDataInvalidException; a broken element is that element's validation error), then against
Xero's business rules (:mod:`.rules`). By default one refused element refuses the request
(400 ValidationException listing the refused elements, nothing stored); with
``summarizeErrors=false`` the answer is 200 and each element carries its own outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.http import Request, Response
from bookbridge.sandbox.xero import errors, rules
from bookbridge.sandbox.xero.checks import Reference, reference
from bookbridge.sandbox.xero.attachments import AttachmentFiles
from bookbridge.sandbox.xero.spec import OpenApiSpec
from bookbridge.sandbox.xero.store import OrganisationStore
from bookbridge.sandbox.xero.timefmt import envelope_time, parse_if_modified_since, parse_moment
from bookbridge.sandbox.xero.where import QueryError, apply_order, compile_where

PREFIX = "/api.xro/2.0/"
PROVIDER_NAME = "Bookbridge"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # 25 MB per file
MAX_ATTACHMENTS = 10
Builder = Callable[[Reference, dict[str, Any], date], tuple[list[str], dict[str, Any]]]

# Collection -> (id field, builder of new elements).
WRITABLE: dict[str, tuple[str, Builder]] = {
    "ManualJournals": ("ManualJournalID", rules.build_manual_journal),
    "Invoices": ("InvoiceID", rules.build_invoice),
    "BankTransactions": ("BankTransactionID", rules.build_bank_transaction),
    "Contacts": ("ContactID", rules.build_contact),
}
ID_FIELDS = {"Accounts": "AccountID", "TrackingCategories": "TrackingCategoryID", **{k: v[0] for k, v in WRITABLE.items()}}
READABLE = frozenset({"Accounts", "Contacts", "TrackingCategories", "TaxRates", "Currencies", "Organisation",
                      "ManualJournals", "Invoices", "BankTransactions"})
MODIFIED_SINCE = frozenset({"Accounts", "Contacts", "ManualJournals", "Invoices", "BankTransactions"})
PAGED = frozenset({"Contacts", "Invoices", "ManualJournals", "BankTransactions"})
_LINES = {"ManualJournals": "JournalLines", "Invoices": "LineItems", "BankTransactions": "LineItems"}
# Status changes a client may make to an existing document with POST /{Collection}/{id}.
_UPDATABLE = {"ManualJournals": {"Narration", "Status", "Url"}, "Invoices": {"Reference", "Status", "Url"},
              "BankTransactions": {"Reference", "Status", "Url"}}


@dataclass(slots=True)
class ApiContext:
    """What a route needs: the organisation, the clock, the OpenAPI description and attachment files."""

    store: OrganisationStore
    now: Callable[[], datetime]
    spec: OpenApiSpec
    files: AttachmentFiles
    base_url: str = ""
    validate_schema: bool = True

    def answer(self, document: dict[str, Any], status: int = 200) -> Response:
        """A JSON answer inside Xero's envelope (``Id``, ``Status``, ``ProviderName``, ``DateTimeUTC``)."""
        envelope = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": PROVIDER_NAME,
                    "DateTimeUTC": envelope_time(self.now()), **document}
        return Response.json(status, envelope, {"Content-Type": "application/json; charset=utf-8"})


def is_write(method: str) -> bool:
    """PUT, POST and PATCH change the organisation (the methods ``Idempotency-Key`` protects)."""
    return method in ("PUT", "POST", "PATCH")


def route(ctx: ApiContext, request: Request, parts: list[str]) -> Response:
    """Answer one API request (everything before the route already handled)."""
    collection, rest = parts[0], parts[1:]
    if len(rest) >= 2 and rest[1] == "Attachments" and collection in _LINES:
        return _attachments(ctx, request, collection, rest[0], rest[2:])
    if request.method == "GET" and collection in READABLE:
        return _read(ctx, request, collection, rest)
    if request.method in ("PUT", "POST") and collection in WRITABLE:
        if rest:
            return _update(ctx, request, collection, rest[0])
        return _create(ctx, request, collection)
    if collection in READABLE or collection in WRITABLE:
        raise errors.exception(errors.METHOD_NOT_ALLOWED, status=405)
    raise errors.not_found(f"/{'/'.join(parts)}")


# --- reads ------------------------------------------------------------------------------------------
def _visible(collection: str, item: dict[str, Any], include_archived: bool) -> bool:
    if include_archived:
        return True
    if collection == "Contacts":
        return item.get("ContactStatus") != "ARCHIVED"
    if collection == "TrackingCategories":
        return item.get("Status") == "ACTIVE"
    return True


def _without_archived_options(category: dict[str, Any]) -> dict[str, Any]:
    return {**category, "Options": [o for o in category.get("Options") or [] if o.get("Status") == "ACTIVE"]}


def _read(ctx: ApiContext, request: Request, collection: str, rest: list[str]) -> Response:
    if collection == "Organisation":
        return ctx.answer({"Organisations": [ctx.store.organisation()]})
    if rest:
        found = ctx.store.get(collection, rest[0])
        if found is None:
            raise errors.not_found(f"{collection} {rest[0]}")
        if collection in _LINES:
            found["Attachments"] = ctx.store.attachments_of(rest[0])
        return ctx.answer({collection: [found]})
    include_archived = (request.param("includeArchived") or "").lower() == "true"
    items = [i for i in ctx.store.all(collection) if _visible(collection, i, include_archived)]
    if collection == "TrackingCategories" and not include_archived:
        items = [_without_archived_options(c) for c in items]
    items = _filtered(request, collection, items)
    document: dict[str, Any] = {}
    page = request.param("page")
    if collection in PAGED and page is not None:
        items, document["pagination"] = _page(items, page, request.param("pageSize"))
    elif collection in _LINES:
        # Without ?page Xero lists documents without their lines [X3].
        items = [{**item, _LINES[collection]: []} for item in items]
    document[collection] = items
    return ctx.answer(document)


def _filtered(request: Request, collection: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    since_text = request.header("if-modified-since")
    if since_text and collection in MODIFIED_SINCE:
        try:
            since = parse_if_modified_since(since_text)
        except (ValueError, TypeError):
            raise errors.post_data_invalid(f"If-Modified-Since '{since_text}' is not a date") from None
        items = [i for i in items if i.get("UpdatedDateUTC") and parse_moment(i["UpdatedDateUTC"]) > since]
    ids = request.param("IDs")
    if ids:
        wanted = {part.strip().lower() for part in ids.split(",") if part.strip()}
        id_field = ID_FIELDS.get(collection, "")
        items = [i for i in items if str(i.get(id_field, "")).lower() in wanted]
    try:
        predicate = compile_where(request.param("where"))
        return apply_order([i for i in items if predicate(i)], request.param("order"))
    except QueryError as exc:
        raise errors.query_parse(str(exc)) from None


def _page(items: list[dict[str, Any]], page_text: str, size_text: str | None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    try:
        page = max(1, int(page_text))
        size = min(MAX_PAGE_SIZE, max(1, int(size_text))) if size_text else DEFAULT_PAGE_SIZE
    except ValueError:
        raise errors.post_data_invalid("page and pageSize must be whole numbers") from None
    count = len(items)
    pages = (count + size - 1) // size
    return items[(page - 1) * size: page * size], {"page": page, "pageSize": size, "pageCount": pages, "itemCount": count}


# --- writes -----------------------------------------------------------------------------------------
def _json_body(request: Request) -> Any:
    if not request.body.strip():
        raise errors.post_data_invalid("The request body is empty")
    try:
        return jsonio.loads(request.body)
    except ValueError as exc:
        raise errors.post_data_invalid(f"The request body is not valid JSON: {exc}") from None


def _schema_messages(ctx: ApiContext, request: Request, collection: str, body: Any,
                     path: str | None = None) -> dict[int, list[str]]:
    """Schema problems by element index; a problem outside the elements refuses the whole request."""
    if not ctx.validate_schema:
        return {}
    schema = ctx.spec.request_schema(request.method, path or f"/{collection}")
    if schema is None:
        return {}
    by_element: dict[int, list[str]] = {}
    for issue in ctx.spec.validate(schema, body):
        if len(issue.path) >= 2 and issue.path[0] == collection and isinstance(issue.path[1], int):
            inner = ".".join(str(p) for p in issue.path[2:]) or collection
            by_element.setdefault(issue.path[1], []).append(f"{inner}: {issue.message}")
        else:
            raise errors.post_data_invalid(f"The request does not match Xero's schema at {issue.where or 'the top'}: "
                                           f"{issue.message}")
    return by_element


def _create(ctx: ApiContext, request: Request, collection: str) -> Response:
    body = _json_body(request)
    schema_messages = _schema_messages(ctx, request, collection, body)
    elements = body.get(collection) if isinstance(body, dict) else None
    if not isinstance(elements, list) or not elements:
        raise errors.post_data_invalid(f"The request has no {collection} to create")
    id_field, build = WRITABLE[collection]
    summarize = (request.param("summarizeErrors") or "true").lower() != "false"
    today = ctx.now().date()
    with ctx.store.transaction():
        ref = reference(ctx.store)
        outcomes = []
        for n, element in enumerate(elements):
            element = element if isinstance(element, dict) else {}
            messages = schema_messages.get(n, [])
            built: dict[str, Any] = {}
            if not messages:
                messages, built = build(ref, element, today)
            outcomes.append((element, messages, built))
        refused = [errors.element_with_errors(element, messages) for element, messages, _b in outcomes if messages]
        if refused and summarize:
            raise errors.validation(refused)
        answered = []
        for element, messages, built in outcomes:
            if messages:
                answered.append(errors.element_with_errors(element, messages))
            else:
                answered.append({**ctx.store.insert(collection, id_field, built), "StatusAttributeString": "OK"})
    return ctx.answer({collection: answered})


def _update(ctx: ApiContext, request: Request, collection: str, object_id: str) -> Response:
    """POST /{Collection}/{id}: the edits a person makes in Xero (narration, reference, delete, void)."""
    body = _json_body(request)
    problems = _schema_messages(ctx, request, collection, body, f"/{collection}/{object_id}")
    elements = body.get(collection) if isinstance(body, dict) else None
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        raise errors.post_data_invalid(f"Updating needs exactly one element in {collection}")
    if problems:
        raise errors.validation([errors.element_with_errors(elements[0], problems.get(0, []))])
    with ctx.store.transaction():
        if ctx.store.get(collection, object_id) is None:
            raise errors.not_found(f"{collection} {object_id}")
        changes = {k: v for k, v in elements[0].items() if k in _UPDATABLE.get(collection, set())}
        unsupported = sorted(set(elements[0]) - set(changes) - {ID_FIELDS[collection]})
        if unsupported:
            raise errors.validation([errors.element_with_errors(
                elements[0], [f"The sandbox cannot change {', '.join(unsupported)} on an existing document"])])
        updated = ctx.store.update(collection, object_id, changes)
    return ctx.answer({collection: [updated]})


# --- attachments --------------------------------------------------------------------------------------
def _attachments(ctx: ApiContext, request: Request, collection: str, object_id: str, rest: list[str]) -> Response:
    with ctx.store.transaction():
        if ctx.store.get(collection, object_id) is None:
            raise errors.not_found(f"{collection} {object_id}")
        if request.method == "GET" and not rest:
            return ctx.answer({"Attachments": ctx.store.attachments_of(object_id)})
        if request.method not in ("PUT", "POST") or len(rest) != 1 or not rest[0]:
            raise errors.exception(errors.METHOD_NOT_ALLOWED, status=405)
        file_name = rest[0]
        if not request.body:
            raise errors.post_data_invalid("The attachment is empty")
        if len(request.body) > MAX_ATTACHMENT_BYTES:
            raise errors.post_data_invalid("The file is larger than the 25 MB Xero accepts")
        existing = ctx.store.attachments_of(object_id)
        if len(existing) >= MAX_ATTACHMENTS and all(m["FileName"] != file_name for m in existing):
            raise errors.validation([{"ValidationErrors": [{"Message": f"A document can have at most {MAX_ATTACHMENTS} attachments"}]}])
        attachment_id = str(uuid.uuid4())
        meta = {"AttachmentID": attachment_id, "FileName": file_name,
                "Url": f"{ctx.base_url}{PREFIX}{collection}/{object_id}/Attachments/{file_name}",
                "MimeType": request.header("content-type") or "application/octet-stream",
                "ContentLength": len(request.body),
                "IncludeOnline": (request.param("IncludeOnline") or "").lower() == "true"}
        ctx.files.put(attachment_id, request.body)
        ctx.store.add_attachment(object_id, meta)
        ctx.store.update(collection, object_id, {"HasAttachments": True})
    return ctx.answer({"Attachments": [meta]})
