"""The Sage Intacct connector: XML API 3.0 with API sessions and ``uniqueid=true`` writes.

Implements :class:`bookbridge.connectors.protocol.Connector` for one company (``companyid``,
plus an entity when the login names a ``locationid``). Building functions is in
:mod:`.payloads`, reading records in :mod:`.records`, the failure table in :mod:`.faults`,
sessions in :mod:`.session`; list reads and change tracking are in :mod:`.reads`.

Writes: each document is one function whose ``controlid`` comes from our key, sent under
``uniqueid=true``; several documents travel in one request and each gets its own result. A
function refused as *already run* (the answer to an earlier attempt was lost) is looked up by our
key and reported as posted.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from bookbridge.connectors.dto import (
    AttachmentResult,
    BillDocument,
    ChangeRecord,
    Document,
    DocumentKind,
    JournalDocument,
    PostResult,
    PurchaseDocument,
    QuotaSnapshot,
    RemoteDocument,
    VendorDraft,
    VendorRecord,
)
from bookbridge.connectors.errors import (
    AuthError,
    ConnectorError,
    DuplicateDocument,
    ReconnectRequired,
    ServerError,
    ValidationError,
)
from bookbridge.connectors.intacct import payloads, records
from bookbridge.connectors.intacct.config import LABEL, MAX_FUNCTIONS_PER_REQUEST, PROVIDER, REPLAY_WINDOW
from bookbridge.connectors.intacct.faults import AlreadyRun, authentication_error, function_error
from bookbridge.connectors.intacct.gateway import Gateway
from bookbridge.connectors.intacct.reads import ReadsMixin, quote
from bookbridge.connectors.intacct.session import IntacctAuthenticator
from bookbridge.connectors.intacct.xmlwire import FunctionResult, Session, XmlResponse, request_xml
from bookbridge.connectors.limiter import Limiter
from bookbridge.connectors.protocol import NO_ALIASES, Authenticator
from bookbridge.connectors.retry import Jitter, full_jitter
from bookbridge.connectors.settings import ConnectionSettings
from bookbridge.core.errors import UsageError
from bookbridge.core.keys import new_id, sha256_hex, short_key

SUPDOC_FOLDER = "Bookbridge"
log = logging.getLogger(__name__)


class IntacctConnector(ReadsMixin):
    """One Intacct company over the XML API; see :class:`~bookbridge.connectors.protocol.Connector`."""

    provider = PROVIDER
    replay_window = REPLAY_WINDOW
    # Intacct has real department and location dimensions: every kind means itself.
    dimension_aliases: Mapping[str, str] = NO_ALIASES

    def __init__(
        self,
        settings: ConnectionSettings,
        authenticator: Authenticator,
        *,
        limiter: Limiter | None = None,
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not settings.company_id:
            raise UsageError(f"a {LABEL} connection needs its company id")
        if not isinstance(authenticator, IntacctAuthenticator):
            raise UsageError(f"a {LABEL} connection signs in with Web Services credentials, not OAuth tokens: "
                             "connect it with `bookbridge connect ... --provider intacct`")
        self.settings = settings
        self.company_id = settings.company_id
        extra = {"sleep": sleep} if sleep is not None else {}
        self._gateway = Gateway(settings, limiter=limiter, jitter=jitter, **extra)
        self._limiter = self._gateway.limiter
        self._auth = authenticator

    # --- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        self._gateway.close()
        self._auth.close()

    def __enter__(self) -> "IntacctConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, functions: Sequence[Mapping[str, Any]], *, write: bool) -> tuple[XmlResponse, int]:
        """Send functions in one request under the current session; returns the answer and attempts.

        A refused session is renewed once and the request sent again (nothing ran the first
        time); refused again means the sign-in itself no longer works.
        """
        for attempt in (1, 2):
            creds = self._auth.credentials()
            body = request_xml(
                sender_id=creds.sender.client_id, sender_password=creds.sender.client_secret or "",
                control_id=new_id(), unique_id=write, auth=Session(creds.session.session_id), functions=functions,
            )
            try:
                response, attempts = self._gateway.post(creds.session.endpoint, body)
            except ReconnectRequired:
                raise
            except AuthError as http_refusal:
                if attempt == 2 or http_refusal.http_status != 401:
                    raise
                self._auth.renew()
                continue
            auth = response.authentication
            if auth is not None and auth.status == "failure":
                if attempt == 2:
                    refused = authentication_error(response)
                    raise ReconnectRequired(f"{refused.user_message} even with a new session; connect again",
                                            provider=PROVIDER, code=refused.code, details=refused.details)
                self._auth.renew()
                continue
            self._auth.slide(creds.session, response)
            return response, attempts
        raise AssertionError("unreachable: the loop returns or raises")

    def read(self, function: Mapping[str, Any]) -> FunctionResult:
        """Run one read function; its failure inside an HTTP 200 is raised as a typed error."""
        response, _ = self.call([function], write=False)
        result = response.result(str(function["@controlid"]))
        if result is None:
            raise ServerError(f"{LABEL} answered without a result for the read", provider=PROVIDER, code="answer-shape",
                              retryable=False)
        if not result.ok:
            raise function_error(result.errors, function=result.function)
        return result

    # --- documents --------------------------------------------------------------------------
    def build_payload(self, doc: Document) -> dict[str, Any]:
        return {"function": payloads.build_function(doc)}

    def push(self, doc: Document) -> PostResult:
        answer = self.push_many([doc])[0]
        if isinstance(answer, ConnectorError):
            raise answer
        return answer

    def push_journal_entry(self, doc: JournalDocument) -> PostResult:
        return self.push(doc)

    def push_purchase(self, doc: PurchaseDocument) -> PostResult:
        return self.push(doc)

    def push_bill(self, doc: BillDocument) -> PostResult:
        return self.push(doc)

    def push_many(self, docs: Sequence[Document]) -> list[PostResult | ConnectorError]:
        """Post documents, up to 30 functions per request; one result or error per document, in order."""
        answers: list[PostResult | ConnectorError | None] = [None] * len(docs)
        pending: list[tuple[int, Document, dict[str, Any]]] = []
        seen: set[str] = set()
        for n, doc in enumerate(docs):
            try:
                function = payloads.build_function(doc)
            except ConnectorError as refused:
                answers[n] = refused
                continue
            if function["@controlid"] in seen:
                answers[n] = ValidationError(f"{doc.doc_number or doc.key}: the same document twice in one request",
                                             provider=PROVIDER, code="same-key-twice")
                continue
            seen.add(function["@controlid"])
            pending.append((n, doc, function))
        for start in range(0, len(pending), MAX_FUNCTIONS_PER_REQUEST):
            chunk = pending[start:start + MAX_FUNCTIONS_PER_REQUEST]
            try:
                response, attempts = self.call([function for _, _, function in chunk], write=True)
            except ConnectorError as error:
                for n, _doc, _function in chunk:
                    answers[n] = error
                continue
            for n, doc, function in chunk:
                answers[n] = self._outcome(doc, response.result(str(function["@controlid"])), attempts)
        self._settle_already_run(docs, answers)
        self._add_versions(answers)
        return [a for a in answers if a is not None]

    def _add_versions(self, answers: list) -> None:
        """Give each fresh post the WHENMODIFIED it left, so the change feed knows that version as ours.

        A create answers with the RECORDNO only, so one ``read`` per object type (all in one
        request) fetches the marks. When that read fails the posts still stand; they just carry
        no mark, and a later edit check reports the first version it sees.
        """
        wanted: dict[str, list[int]] = {}
        for n, answer in enumerate(answers):
            if isinstance(answer, PostResult) and answer.version is None and answer.kind in payloads.OBJECT_NAMES:
                wanted.setdefault(payloads.OBJECT_NAMES[answer.kind], []).append(n)
        if not wanted:
            return
        reads = {obj: {"@controlid": f"versions-{obj.lower()}-{new_id()[:8]}", "read": {
            "object": obj, "keys": ",".join(answers[n].remote_id for n in positions),
            "fields": "RECORDNO,WHENMODIFIED"}} for obj, positions in wanted.items()}
        try:
            response, _ = self.call(list(reads.values()), write=False)
        except ConnectorError as error:
            log.warning("%s: version marks of posted records could not be read: %s", LABEL, error.user_message)
            return
        for obj, positions in wanted.items():
            result = response.result(str(reads[obj]["@controlid"]))
            if result is None or not result.ok or result.data is None:
                log.warning("%s: version marks of posted %s records could not be read", LABEL, obj)
                continue
            marks = {records.text(row, "RECORDNO"): records.version(row) for row in result.data.of(obj)}
            for n in positions:
                answers[n] = replace(answers[n], version=marks.get(answers[n].remote_id))

    def _outcome(self, doc: Document, result: FunctionResult | None, attempts: int) -> PostResult | ConnectorError:
        what = f"{doc.kind.value} {doc.doc_number or ''}".strip()
        if result is None:
            return ServerError(f"{what}: {LABEL} answered without a result for it", provider=PROVIDER,
                               code="answer-shape", retryable=True)
        if not result.ok:
            return function_error(result.errors, function=result.function, what=what)
        obj = payloads.OBJECT_NAMES[doc.kind]
        created = (result.data.of(obj) if result.data is not None else []) or [{}]
        record_no = str(created[0].get("RECORDNO") or result.key or "")
        if not record_no:
            return ServerError(f"{what}: {LABEL} accepted it but did not say its record number", provider=PROVIDER,
                               code="answer-shape", retryable=False)
        raw = {"RECORDNO": record_no, "object": obj, "controlid": result.controlid, **created[0]}
        return records.post_result(doc.kind, doc.key, raw, doc_number=doc.doc_number, attempts=attempts)

    def _settle_already_run(self, docs: Sequence[Document], answers: list) -> None:
        """Replace each *already run* refusal with the document the earlier attempt posted."""
        for n, doc in enumerate(docs):
            if not isinstance(answers[n], AlreadyRun):
                continue
            try:
                found = self.find_by_key(doc.kind, doc.key, doc_number=doc.doc_number, txn_date=doc.date)
            except ConnectorError as error:
                answers[n] = error  # cannot tell now; the same key settles it later
                continue
            if found is not None:
                answers[n] = found

    def find_by_key(
        self, kind: DocumentKind, key: str, *, doc_number: str | None = None, txn_date: date | None = None
    ) -> PostResult | None:
        if kind not in payloads.OBJECT_NAMES:
            raise UsageError(f"{LABEL} documents can be found by key; {kind.value} records cannot")
        obj = payloads.OBJECT_NAMES[kind]
        description = payloads.DESCRIPTION_FIELDS[obj]
        marker = payloads.key_marker(key)
        conditions = []
        number_field = payloads.NUMBER_FIELDS[obj]
        if doc_number and number_field:
            conditions.append(f"{number_field} = {quote(doc_number)}")
        if txn_date:
            conditions.append(f"{payloads.DATE_FIELDS[obj]} = {quote(payloads.intacct_date(txn_date))}")
        conditions.append(f"{description} like {quote('%' + marker + '%')}")
        for row in self.query(obj, " AND ".join(conditions)):
            if marker in records.text(row, description):
                number = doc_number or (records.optional(row, number_field) if number_field else None)
                return records.post_result(kind, key, row, doc_number=number)
        return None

    def create_vendor(self, draft: VendorDraft) -> VendorRecord:
        vendor_id = "BB" + short_key(PROVIDER, "vendor", draft.key, length=10).upper()
        fields: dict[str, Any] = {"VENDORID": vendor_id, "NAME": draft.name}
        if draft.currency:
            fields["CURRENCY"] = draft.currency.upper()
        contact: dict[str, Any] = {"PRINTAS": draft.name}
        if draft.email:
            contact["EMAIL1"] = draft.email
        fields["DISPLAYCONTACT"] = contact
        function = {"@controlid": payloads.control_id(DocumentKind.VENDOR, draft.key), "create": {"VENDOR": fields}}
        response, _ = self.call([function], write=True)
        result = response.result(str(function["@controlid"]))
        if result is not None and not result.ok:
            error = function_error(result.errors, function=result.function, what=f"vendor {draft.name}")
            if not isinstance(error, DuplicateDocument):  # ours from an earlier attempt, or a namesake id
                raise error
        for row in self.query("VENDOR", f"VENDORID = {quote(vendor_id)}"):
            return records.vendor(row)
        raise ServerError(f"{LABEL} did not create vendor {draft.name}", provider=PROVIDER, code="answer-shape",
                          retryable=False)

    def upload_attachment(self, target: RemoteDocument, filename: str, content: bytes, mime_type: str) -> AttachmentResult:
        """Create a supporting document (``create_supdoc``) and link it to a bill or expense report.

        Journal entries are refused: Intacct replaces a journal entry's lines on update [I5 FAQ],
        and a header-only update risks clearing them.
        """
        if target.kind is DocumentKind.JOURNAL_ENTRY:
            raise ValidationError(
                f"{LABEL} replaces all lines of a journal entry when it is updated, so Bookbridge does not attach "
                "files to posted journal entries; attach the receipt in Intacct, or post such expenses as bills",
                provider=PROVIDER, code="attach-journal-entry", retryable=False)
        if target.kind not in payloads.OBJECT_NAMES:
            raise UsageError(f"files can be attached to {LABEL} documents, not to {target.kind.value} records")
        supdoc_id = "BB" + short_key(PROVIDER, "supdoc", target.kind.value, target.remote_id, filename,
                                     sha256_hex(content), length=16).upper()
        stem, _, extension = filename.rpartition(".")
        create = {"@controlid": f"bb-att-{supdoc_id.lower()}", "create_supdoc": {
            "supdocid": supdoc_id, "supdocname": filename[:80], "supdocfoldername": SUPDOC_FOLDER,
            "attachments": {"attachment": {"attachmentname": stem or filename, "attachmenttype": extension or "bin",
                                           "attachmentdata": base64.b64encode(content).decode("ascii")}},
        }}
        obj = payloads.OBJECT_NAMES[target.kind]
        link = {"@controlid": f"bb-link-{supdoc_id.lower()}",
                "update": {obj: {"RECORDNO": target.remote_id, "SUPDOCID": supdoc_id}}}
        response, _ = self.call([create, link], write=True)
        for function, name in ((create, "create_supdoc"), (link, "update")):
            result = response.result(str(function["@controlid"]))
            if result is None:
                raise ServerError(f"{LABEL} answered without a result for {name}", provider=PROVIDER,
                                  code="answer-shape", retryable=True)
            if not result.ok:
                error = function_error(result.errors, function=name, what=f"attaching {filename}")
                if not isinstance(error, AlreadyRun):  # already done by an earlier attempt: fine
                    raise error
        return AttachmentResult(supdoc_id, filename, target, {"supdocid": supdoc_id, "mime_type": mime_type})

    # --- housekeeping -------------------------------------------------------------------------
    def quota(self) -> QuotaSnapshot:
        return self._limiter.snapshot(PROVIDER, self.company_id)

    def changes_since(self, since: datetime, kinds: Iterable[str] | None = None) -> Iterator[ChangeRecord]:
        return self.changes(since, kinds)
