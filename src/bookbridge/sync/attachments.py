"""Receipts uploaded as attachments to posted documents (the last part of step 4).

An upload is marked ``uploading`` before it starts, like a document in flight; the connector's
upload key is derived from the target, the file name and the content, so sending it again after a
crash replays instead of attaching the file twice. A receipt the accounting system refuses is
reported as a warning: the document itself is posted and stays posted.
"""

from __future__ import annotations

import sqlalchemy as sa

from bookbridge.connectors.dto import DocumentKind, RemoteDocument
from bookbridge.connectors.errors import AuthError, ConnectorError, RateLimited, ServerError, TransportError
from bookbridge.core import clock
from bookbridge.exceptions.queue import AffectedItem, report
from bookbridge.store.models import (
    AttachmentStatus,
    ExceptionCategory,
    ExceptionSeverity,
    OutboxAttachment,
    OutboxItem,
    OutboxStatus,
    Receipt,
)
from bookbridge.sync.push import PushContext
from bookbridge.sync.txn import write_unit

MAX_ATTEMPTS = 5
CHUNK = 20


def _file_name(receipt: Receipt) -> str:
    return receipt.file_name or f"receipt-{receipt.id}"


def upload_receipts(ctx: PushContext) -> int:
    """Upload every pending receipt of the connection's posted documents; returns how many went up."""
    uploaded = 0
    while not ctx.stopped:
        with write_unit(ctx.book) as session:
            ctx.lock.confirm(session)
            rows = session.execute(
                sa.select(OutboxAttachment, OutboxItem)
                .join(OutboxItem, OutboxItem.id == OutboxAttachment.outbox_id)
                .where(OutboxItem.connection_id == ctx.connection_id, OutboxItem.status == OutboxStatus.POSTED,
                       OutboxAttachment.status.in_([AttachmentStatus.PENDING, AttachmentStatus.UPLOADING]),
                       OutboxAttachment.attempts < MAX_ATTEMPTS)
                .order_by(OutboxAttachment.id).limit(CHUNK)
            ).all()
            work = []
            for attachment, item in rows:
                attachment.status = AttachmentStatus.UPLOADING
                attachment.attempts += 1
                receipt = session.get(Receipt, attachment.receipt_id)
                assert receipt is not None  # the foreign key guarantees it
                work.append((attachment.id, RemoteDocument(DocumentKind(item.doc_kind), item.remote_id or ""),
                             _file_name(receipt), receipt.content or b"", receipt.mime_type or "application/octet-stream",
                             item.id, item.doc_number))
        if not work:
            return uploaded
        for attachment_id, target, name, content, mime, outbox_id, doc_number in work:
            try:
                result = ctx.connector.upload_attachment(target, name, content, mime)
            except ConnectorError as error:
                _failed(ctx, attachment_id, error, outbox_id, doc_number)
                if isinstance(error, (AuthError, RateLimited)):
                    ctx.stop(error)
                    return uploaded
                continue
            with write_unit(ctx.book) as session:
                done = session.get(OutboxAttachment, attachment_id)
                assert done is not None
                done.status = AttachmentStatus.UPLOADED
                done.remote_id = result.remote_id
                done.uploaded_at = clock.now()
                done.last_error = None
            uploaded += 1
    return uploaded


def _failed(ctx: PushContext, attachment_id: int, error: ConnectorError, outbox_id: int, doc_number: str | None) -> None:
    transient = isinstance(error, (TransportError, ServerError, RateLimited, AuthError))
    with write_unit(ctx.book) as session:
        attachment = session.get(OutboxAttachment, attachment_id)
        assert attachment is not None
        attachment.last_error = error.user_message[:2000]
        if transient and attachment.attempts < MAX_ATTEMPTS:
            # The upload key makes a resend safe: it stays "uploading" until an answer arrives.
            return
        attachment.status = AttachmentStatus.FAILED
        exception_id = report(
            session, category=ExceptionCategory.REJECTED, severity=ExceptionSeverity.WARNING,
            title=f"A receipt could not be attached to {doc_number}",
            message=f"{error.user_message}. The entry is posted; attach the receipt by hand in the accounting system.",
            cause=("attachment", str(attachment_id)), items=[AffectedItem("outbox", str(outbox_id), doc_number)],
            source="sync", connection=ctx.connection,
        ).exception_id
        ctx.exception_ids.add(exception_id)
