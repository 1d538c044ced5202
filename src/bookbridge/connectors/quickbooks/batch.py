"""The QBO Batch API (ERP_FACTS.md §1.6): up to 30 creates in one request, one answer per item.

Items run one after another on QBO's side and cannot see each other's results; a failed item
does not stop the others. With a ``requestid`` on the batch, QBO limits it to 36 characters and
each ``bId`` to 10, so item ids are the position in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from bookbridge.connectors.errors import ConnectorError, ServerError
from bookbridge.connectors.quickbooks.config import LABEL, PROVIDER
from bookbridge.connectors.quickbooks.faults import error_for_fault, find_fault
from bookbridge.core.keys import short_key

BATCH_REQUEST_ID_LENGTH = 36


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One create in a batch."""

    entity: str  # QBO entity name, e.g. "JournalEntry"
    payload: Mapping[str, Any]
    key: str


def item_id(index: int) -> str:
    """The ``bId`` of the item at ``index`` (0-based): short, and unique within the batch."""
    return str(index + 1)


def batch_request_id(items: Sequence[BatchItem]) -> str:
    """A deterministic ``requestid`` for this exact batch (≤ 36 characters).

    The same documents in the same order give the same id, so resending a batch whose answer
    was lost replays QBO's stored answer instead of creating everything twice.
    """
    return short_key("qbo-batch", *(f"{i.entity}:{i.key}" for i in items), length=BATCH_REQUEST_ID_LENGTH)


def batch_body(items: Sequence[BatchItem]) -> dict[str, Any]:
    return {
        "BatchItemRequest": [
            {"bId": item_id(n), "operation": "create", item.entity: dict(item.payload)} for n, item in enumerate(items)
        ]
    }


def parse_batch(body: Mapping[str, Any], items: Sequence[BatchItem]) -> list[Mapping[str, Any] | ConnectorError]:
    """For each item, in order: the created entity, or the typed error of its Fault."""
    answers: dict[str, Mapping[str, Any]] = {}
    for answer in body.get("BatchItemResponse") or []:
        answers[str(answer.get("bId"))] = answer
    results: list[Mapping[str, Any] | ConnectorError] = []
    for n, item in enumerate(items):
        answer = answers.get(item_id(n))
        if answer is None:
            results.append(ServerError(f"{LABEL} gave no answer for item {n + 1} of the batch", provider=PROVIDER,
                                       code="batch-missing", retryable=True))
            continue
        fault = find_fault(answer)
        if fault is not None:
            results.append(error_for_fault(fault))
        elif isinstance(answer.get(item.entity), dict):
            results.append(answer[item.entity])
        else:
            results.append(ServerError(f"{LABEL} answered item {n + 1} of the batch without a {item.entity}",
                                       provider=PROVIDER, code="batch-shape", retryable=False))
    return results
