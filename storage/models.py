"""SQLAlchemy 2 models: the register, monitoring, audit, bot state and the alert outbox.

The schema is created and changed only by the Alembic migrations in `storage/migrations`;
`tests/integration/test_migrations.py` checks that these models and the migrations agree.
Money is stored as whole pence so that SQLite and PostgreSQL add up exactly the same.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Pence(TypeDecorator[Decimal]):
    """Pounds as `Decimal` in Python, whole pence as an integer in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """The `Table` a model is mapped to, for Core statements.

    SQLAlchemy types `__table__` as any `FromClause`; every model here maps a plain table.
    """
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a Table")
    return table


class Provider(Base):
    """An organisation that delivers services; providers' users are linked to it by email."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    org_id: Mapped[str] = mapped_column(String(100), default="")

    agreements: Mapped[list[AgreementRow]] = relationship(back_populates="provider")


class AgreementRow(Base):
    """One register row. `reference` is the key imports upsert by."""

    __tablename__ = "agreements"
    # The date columns are indexed for the sweep, which selects only rows whose dates can alert today.

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(500))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    provider_org_id: Mapped[str] = mapped_column(String(100), default="")
    funding_stream: Mapped[str] = mapped_column(String(200), default="")
    project_code: Mapped[str] = mapped_column(String(100), default="")
    value: Mapped[Decimal | None] = mapped_column(Pence, nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    award_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    extension_options: Mapped[str] = mapped_column(String(50), default="")
    extended_to: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    area: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    contract_manager: Mapped[str] = mapped_column(String(320), default="")
    monitoring: Mapped[str] = mapped_column(String(20), default="quarterly")
    signed: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    missing_from_last_import: Mapped[bool] = mapped_column(Boolean, default=False)
    first_imported: Mapped[date] = mapped_column(Date, index=True)
    last_import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    # The Microsoft 365 list item (or workbook row) this agreement was synced from, and its eTag
    # when last read: a deleted item in a delta carries only its id, and write-back sends If-Match.
    list_item_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    list_item_etag: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    provider: Mapped[Provider] = relationship(back_populates="agreements", lazy="joined")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", lazy="selectin", order_by="Contact.id"
    )
    kpis: Mapped[list[KpiRow]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", lazy="selectin", order_by="KpiRow.position"
    )


class Contact(Base):
    """A provider's key contact for one agreement (`role` is `provider_contact`)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40), default="provider_contact")
    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(320), default="", index=True)

    agreement: Mapped[AgreementRow] = relationship(back_populates="contacts")


class KpiRow(Base):
    """A KPI target per monitoring period for one agreement."""

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("agreement_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(40))

    agreement: Mapped[AgreementRow] = relationship(back_populates="kpis")


class MonitoringPeriod(Base):
    """A period an agreement owes a monitoring return for, with its due date."""

    __tablename__ = "monitoring_periods"
    __table_args__ = (UniqueConstraint("agreement_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)


class MonitoringReturn(Base):
    """A provider's return for one period; drafts are saved answer by answer."""

    __tablename__ = "monitoring_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("monitoring_periods.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    spend_in_period: Mapped[Decimal | None] = mapped_column(Pence, nullable=True)
    spend_to_date: Mapped[Decimal | None] = mapped_column(Pence, nullable=True)
    rag: Mapped[str] = mapped_column(String(10), default="")
    started_by: Mapped[str] = mapped_column(String(320), default="")
    submitted_by: Mapped[str] = mapped_column(String(320), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assessed_by: Mapped[str] = mapped_column(String(320), default="")
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rating: Mapped[str] = mapped_column(String(40), default="")
    assessment_comment: Mapped[str] = mapped_column(Text, default="")
    # The check-in question last sent for this return and not yet answered ("" for none): an
    # answer is stored only for the prompt it names, so an answer typed after a crash mid-send
    # is never taken for the question before (migration 0002).
    prompt_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReturnKpiActual(Base):
    """One KPI's actual figure in a return, with the reason when it fell short."""

    __tablename__ = "return_kpi_actuals"
    __table_args__ = (UniqueConstraint("return_id", "kpi_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("monitoring_returns.id", ondelete="CASCADE"), index=True)
    kpi_name: Mapped[str] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(String(40))
    actual: Mapped[str] = mapped_column(String(40))
    shortfall_reason: Mapped[str] = mapped_column(Text, default="")


class ImportBatch(Base):
    """One run of `import`: what file, when, and what it changed."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(320), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    flagged_missing: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Who changed what and when: one entry per changed field or per action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(60))
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    field: Mapped[str] = mapped_column(String(100), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)


class ConversationRef(Base):
    """Where the bot can speak later: a stored Bot Framework conversation reference."""

    __tablename__ = "conversation_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(500), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(100), default="")
    conversation_type: Mapped[str] = mapped_column(String(20), default="personal")
    user_id: Mapped[str] = mapped_column(String(300), default="")
    user_email: Mapped[str] = mapped_column(String(320), default="", index=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_alert_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppInstall(Base):
    """One attempt to install the app for a person through Graph, so it is not repeated."""

    __tablename__ = "app_installs"

    user_email: Mapped[str] = mapped_column(String(320), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BotStateItem(Base):
    """Bot Framework conversation/user/dialog state, with an e-tag for optimistic concurrency."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxItem(Base):
    """An alert decided by a sweep and waiting to be (or already) delivered, exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    rule: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100), default="")
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    audience: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(500), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PostedCard(Base):
    """Where an alert card was posted (conversation and activity id), so it can be replaced in place
    when its decision is made elsewhere: typed, or pressed on another copy of the card."""

    __tablename__ = "posted_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), unique=True)
    reference: Mapped[str] = mapped_column(String(100), index=True)
    conversation_id: Mapped[str] = mapped_column(String(500))
    activity_id: Mapped[str] = mapped_column(String(300))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SweepRun(Base):
    """One run of the alert rules, so catch-up and `status` know when the last one was."""

    __tablename__ = "sweep_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    swept_for: Mapped[date] = mapped_column(Date, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    alerts: Mapped[int] = mapped_column(Integer, default=0)


class ExtensionDecision(Base):
    """A recorded decision about an agreement's end: extend, re-commission or let it end."""

    __tablename__ = "extension_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(30))
    for_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(320))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str] = mapped_column(Text, default="")


class AlertSnooze(Base):
    """Alerts of one rule ("*" for all) about an agreement held back until after `until`."""

    __tablename__ = "alert_snoozes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    until: Mapped[date] = mapped_column(Date)
    snoozed_by: Mapped[str] = mapped_column(String(320))
    snoozed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegisterSync(Base):
    """Where a Microsoft 365 register was last read: its delta link or eTag, and how the last sync went."""

    __tablename__ = "register_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(500), unique=True)
    # The resolved Graph path of the list (`/v1.0/sites/{site id}/lists/{list id}`), so a delta
    # sync with nothing new reads only the delta.
    location: Mapped[str] = mapped_column(String(500), default="")
    delta_link: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)


class RegisterWriteback(Base):
    """One attempt to write what the bot recorded back to the Microsoft 365 list, and its outcome."""

    __tablename__ = "register_writebacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    list_item_id: Mapped[str] = mapped_column(String(100), default="")
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(320), default="")


# Not fully paid, as the partial index on instalments states it; `storage.payments.UNPAID` is the
# same condition as columns, written term for term alike so both databases' planners match the two.
UNPAID_SQL = "paid_on IS NULL OR paid_amount < amount"


class PaymentInstalment(Base):
    """One instalment of an agreement's payment schedule and what has been paid against it.

    A schedule is replaced as a whole by a payments import; a payment recorded in Teams updates
    its instalment in place, with an audit entry. Generated schedules (PAYMENT_PROFILE) are not
    stored until a payment is recorded against one.
    """

    __tablename__ = "payment_instalments"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number"),
        # Only the instalments not fully paid, by due date: all a sweep reads
        # (`storage.payment_sweep`), a few percent of a large register's rows; with the agreement
        # and number the outbox keys are built, and with the amounts, paid date, generated flag
        # and payment reference the rules run, without reading the rows themselves. Not the
        # note: free text no rule reads, and PostgreSQL refuses an index entry above about 2.7 kB.
        Index("ix_payment_instalments_unpaid", "due", "agreement_id", "number", "amount", "paid_amount", "paid_on",
              "generated", "payment_reference", sqlite_where=text(UNPAID_SQL), postgresql_where=text(UNPAID_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Pence)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_amount: Mapped[Decimal] = mapped_column(Pence, default=Decimal(0))
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(320), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The Microsoft List item it was synced from (PAYMENTS_LIST), that item's eTag when last read
    # or written, and whether a payment recorded here still has to be written back to it.
    list_item_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    list_item_etag: Mapped[str] = mapped_column(String(200), default="", server_default="")
    list_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RegisterVersion(Base):
    """One row whose `version` goes up in the same transaction as every change to the register.

    A turn reads this one integer to know whether its loaded register is still current
    (`storage/register_version.py` bumps it for every write to the register's tables).
    """

    __tablename__ = "register_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class QuestionContext(Base):
    """One person's last register question in one conversation, so "and in Southwark?" can refine it.

    Kept per conversation (a channel thread is its own conversation) and per person, for a day:
    older rows are ignored when read and deleted by `storage/question_context.py`.
    """

    __tablename__ = "question_contexts"

    conversation_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
