"""Every table of the book, one module per context. Importing this package registers them all
on ``Base.metadata`` (Alembic's autogenerate and the schema check rely on that)."""

from bookbridge.store.models.approvals import (
    ApprovalDecision,
    ApprovalLevel,
    ApprovalRecord,
    ApproverRole,
    CodingResult,
    CodingState,
    ExchangeRate,
)
from bookbridge.store.models.audit import AuditEntry
from bookbridge.store.models.coding import (  # noqa: F401  (mapping templates, issue 3)
    CodingTemplate,
    CodingTemplateDraft,
    CodingTemplateVersion,
)
from bookbridge.store.models.company import BookMeta, Company, Setting
from bookbridge.store.models.connections import Connection
from bookbridge.store.models.expenses import (
    Expense,
    ExpenseReceipt,
    ExpenseStatus,
    PaymentMethod,
    Receipt,
)
from bookbridge.store.models.imports import (
    BatchStatus,
    CsvProfile,
    DedupeDecision,
    DedupeOutcome,
    ImportBatch,
    ImportIssue,
    IssueSeverity,
    SourceState,
)
from bookbridge.store.models.reference import (
    AccountKind,
    Category,
    Dimension,
    DimensionKind,
    Employee,
    LedgerAccount,
    Vendor,
    VendorAlias,
)
from bookbridge.store.models.reconcile import (  # noqa: F401  (statements and matches, issue 6)
    BalanceStatus,
    BankAccount,
    BankAccountKind,
    BankIdKind,
    BankStatement,
    LineMatchStatus,
    Match,
    MatchBand,
    MatchStatus,
    MatchTarget,
    StatementCsvProfile,
    StatementFormat,
    StatementLine,
)
from bookbridge.store.models.exceptions import (  # noqa: F401  (the exception queue, issue 5)
    ExceptionCategory,
    ExceptionEvent,
    ExceptionItem,
    ExceptionRecord,
    ExceptionSeverity,
    ExceptionStatus,
)
from bookbridge.store.models.month_end import (  # noqa: F401  (period sign-off, locks, packs, issue 6)
    MonthEndPack,
    PeriodAction,
    PeriodEvent,
    PeriodLock,
)
from bookbridge.store.models.sync import (  # noqa: F401  (outbox, runs, lock, reference cache, issue 5)
    AttachmentStatus,
    OutboxAttachment,
    OutboxExpense,
    OutboxItem,
    OutboxStatus,
    RemoteReference,
    RemoteState,
    RunStatus,
    SyncLock,
    SyncRun,
    SyncState,
)

__all__ = [
    "AccountKind", "AuditEntry", "BatchStatus", "BookMeta", "Category", "Company", "Connection",
    "CsvProfile", "DedupeDecision", "DedupeOutcome", "Dimension", "DimensionKind", "Employee",
    "Expense", "ExpenseReceipt", "ExpenseStatus", "ImportBatch", "ImportIssue",
    "IssueSeverity", "LedgerAccount", "PaymentMethod", "Receipt", "Setting", "SourceState",
    "Vendor", "VendorAlias",
    "ApprovalDecision", "ApprovalLevel", "ApprovalRecord", "ApproverRole", "CodingResult", "CodingState",
    "ExchangeRate",
]
