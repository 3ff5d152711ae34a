"""Monitoring periods, returns, KPI actuals and their audit trail in the database.

Every answer a provider gives is written here as it is given (the draft is real data in
`monitoring_returns.answers` and `return_kpi_actuals`, not only dialog state), so a bot
restart, a crash or a second device loses nothing. Submission, acceptance and queries are
audited with who and when, and a submission queues the contracts-channel notification in
the outbox in the same transaction.

`ReturnsRepository` opens its own transaction per call; `returns_overview` takes a session
so the question engine can use it alongside its other queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.agreement import Agreement
from domain.monitoring import (
    ACCEPTED,
    DUE_AFTER_DAYS,
    IN_PROGRESS,
    OPEN_STATES,
    QUERIED,
    SUBMITTED,
    MonitoringPeriod,
    ReturnStatus,
    monitoring_periods,
    return_state,
)
from domain.returns import (
    RAG,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    MonitoringReturn,
    apply_answer,
    belongs_to,
    copy_from_previous,
    kpi_key,
    provider_key,
    reason_key,
)
from storage.agreements import load_agreements, to_domain
from storage.db import session_factory
from storage.models import AgreementRow, AuditEntry, OutboxItem, PaymentInstalment, Provider, ReturnKpiActual
from storage.models import MonitoringPeriod as PeriodRow
from storage.models import MonitoringReturn as ReturnRow
from storage.quick_reads import all_rows, first_row, reads_quickly

ACCEPT = "accept"
AGREEMENTS_KEPT = 5000
OPEN_ATTEMPTS = 5
QUERY = "query"


class ReturnNotOpen(Exception):
    """The return is submitted or accepted: answers can no longer change."""

    def __init__(self, return_id: int, state: str) -> None:
        super().__init__(f"Return {return_id} is {state}")
        self.return_id = return_id
        self.state = state


class NotYourReturn(PermissionError):
    """The agreement, as the register holds it now, is not one of the providers the caller speaks for."""

    def __init__(self, return_id: int, reference: str) -> None:
        super().__init__(f"Return {return_id} ({reference}) is not the caller's")
        self.return_id = return_id
        self.reference = reference


def _authorise(ret: MonitoringReturn, speaking_for: Iterable[str] | None) -> None:
    """Refuse the write unless the agreement, read in this write's transaction, is the caller's.

    The dialogs check who may open a return when they ask a question, but the answer comes
    turns (or days) later and the register may have moved the agreement to another provider
    meanwhile: the write itself is where the check must hold. `None` means a trusted caller
    (demo seeding, tests), never a person in Teams.
    """
    if speaking_for is not None and not belongs_to(ret.agreement, speaking_for):
        raise NotYourReturn(ret.id, ret.reference)


class StalePrompt(Exception):
    """The answer was typed to a question that is no longer the one waiting (a crash mid-send, say)."""

    def __init__(self, return_id: int) -> None:
        super().__init__(f"Return {return_id}: that question is no longer the one asked")
        self.return_id = return_id


class ReturnIncomplete(Exception):
    """Submit was asked for while questions are still unanswered."""


class UnknownReturn(LookupError):
    """No such return, or no such period owed for that agreement."""


class NotStaff(PermissionError):
    """Only commissioning staff may assess a return: checked at the write, whatever the card said."""


class NotAwaitingAssessment(Exception):
    """Only submitted returns can be accepted or queried."""


@dataclass(frozen=True)
class OwedPeriod:
    """A period an agreement owes a return for, with the state people see."""

    period: MonitoringPeriod
    state: str
    return_id: int | None = None


@dataclass(frozen=True)
class MonitoringRules:
    """Register-wide monitoring settings (docs/register-format.md: due 15 days after the period; monitoring starts at first import)."""

    due_after_days: int = DUE_AFTER_DAYS
    count_from_first_import: bool = True

    def periods(self, agreement: Agreement, until: date) -> list[MonitoringPeriod]:
        return monitoring_periods(
            agreement, until, due_after_days=self.due_after_days, count_from_first_import=self.count_from_first_import
        )


async def returns_overview(session: AsyncSession, today: date, rules: MonitoringRules = MonitoringRules()) -> list[ReturnStatus]:
    """Every return owed so far by live agreements, with its state, oldest due first.

    Answers "which returns are overdue?" (state `overdue`), "which providers haven't
    submitted Q2?" (period label, state not submitted/accepted) and "which services are red?".
    """
    agreements = {
        row_id: agreement
        for row_id, agreement in (await load_agreements(session)).items()
        if agreement.status == "active"
    }
    stored = await _stored_returns(session, list(agreements))
    statuses: list[ReturnStatus] = []
    for row_id, agreement in agreements.items():
        for period in rules.periods(agreement, today):
            ret = stored.get((row_id, period.start))
            state = return_state(period, ret.state if ret else None, today)
            statuses.append(
                ReturnStatus(
                    agreement.reference, agreement.provider, period.label, period.due, state,
                    ret.rag if ret else "", agreement.title, period.start, period.end,
                )
            )
    statuses.sort(key=lambda s: (s.due, s.reference))
    return statuses


async def _stored_returns(session: AsyncSession, agreement_ids: list[int]) -> dict[tuple[int, date], ReturnRow]:
    if not agreement_ids:
        return {}
    result = await session.execute(
        select(PeriodRow.agreement_id, PeriodRow.period_start, ReturnRow)
        .join(ReturnRow, ReturnRow.period_id == PeriodRow.id)
        .where(PeriodRow.agreement_id.in_(agreement_ids))
    )
    return {(agreement_id, start): ret for agreement_id, start, ret in result.all()}


class ReturnsRepository:
    """Providers' returns: open, answer, submit; staff: list and assess. One transaction per call."""

    def __init__(self, engine: AsyncEngine, rules: MonitoringRules = MonitoringRules()) -> None:
        self._sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self.rules = rules
        self._agreements: AgreementCache = {}

    async def overview(self, today: date) -> list[ReturnStatus]:
        """Every return owed so far, with its state (see `returns_overview`)."""
        async with self._sessions() as session:
            return await returns_overview(session, today, self.rules)

    async def agreements_of(self, providers: Iterable[str]) -> list[Agreement]:
        """Live agreements with monitoring whose provider is one of `providers`, by reference."""
        wanted = {provider_key(name) for name in providers}
        if not wanted:
            return []
        async with self._sessions() as session:
            ids = [pid for pid, name in (await session.execute(select(Provider.id, Provider.name))).all() if provider_key(name) in wanted]
            if not ids:
                return []
            rows = (
                await session.scalars(
                    select(AgreementRow).where(
                        AgreementRow.status == "active", AgreementRow.provider_id.in_(ids), AgreementRow.monitoring != "none"
                    )
                )
            ).unique().all()
        return sorted((to_domain(row) for row in rows), key=lambda a: a.reference)

    async def agreement(self, reference: str) -> Agreement | None:
        async with self._sessions() as session:
            row = await _agreement_row(session, reference)
            return to_domain(row) if row else None

    async def owed_periods(self, reference: str, today: date) -> list[OwedPeriod]:
        """The periods this agreement owes so far, newest first, with the state of each return."""
        async with self._sessions() as session:
            row = await _agreement_row(session, reference)
            if row is None:
                return []
            stored = await _stored_returns(session, [row.id])
        owed = []
        for period in self.rules.periods(to_domain(row), today):
            ret = stored.get((row.id, period.start))
            owed.append(OwedPeriod(period, return_state(period, ret.state if ret else None, today), ret.id if ret else None))
        return list(reversed(owed))

    async def open_return(self, reference: str, period_start: date, actor: str, today: date, now: datetime | None = None) -> MonitoringReturn:
        """The return for that owed period, created (state in_progress, audited) on first use.

        Two people opening the same return at once both get the one row: the loser of the
        insert race (a unique violation, or SQLite's busy snapshot) tries again and finds it.
        """
        for attempt in range(OPEN_ATTEMPTS):
            try:
                return await self._open_return(reference, period_start, actor, today, now or datetime.now(UTC))
            except (IntegrityError, OperationalError):
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _open_return(self, reference: str, period_start: date, actor: str, today: date, moment: datetime) -> MonitoringReturn:
        async with self._sessions() as session, session.begin():
            row = await _agreement_row(session, reference)
            if row is None:
                raise UnknownReturn(reference)
            agreement = to_domain(row)
            period = next((p for p in self.rules.periods(agreement, today) if p.start == period_start), None)
            if period is None:
                raise UnknownReturn(f"{reference} {period_start}")
            period_row = await session.scalar(
                select(PeriodRow).where(PeriodRow.agreement_id == row.id, PeriodRow.period_start == period.start)
            )
            if period_row is None:
                period_row = PeriodRow(
                    agreement_id=row.id, label=period.label, period_start=period.start,
                    period_end=period.end, due_date=period.due,
                )
                session.add(period_row)
                await session.flush()
            ret = await session.scalar(select(ReturnRow).where(ReturnRow.period_id == period_row.id))
            if ret is None:
                ret = ReturnRow(period_id=period_row.id, state=IN_PROGRESS, answers={}, started_by=actor, updated_at=moment)
                session.add(ret)
                await session.flush()
                _audit(session, moment, actor, "return_started", reference, "period", "", period.label)
            return await _load(session, ret.id, agreements=self._agreements)

    async def load(self, return_id: int) -> MonitoringReturn:
        """A return with its agreement, period and previous return; `UnknownReturn` if absent."""
        async with self._sessions() as session:
            return await _load(session, return_id, agreements=self._agreements, read=_quickly(self._sessions))

    async def save_answer(
        self, return_id: int, key: str, value: str, actor: str, now: datetime | None = None, *,
        speaking_for: Iterable[str] | None = None, prompt_id: str | None = None,
    ) -> MonitoringReturn:
        """Store one answer at once (and drop answers it made meaningless).

        With `prompt_id` (the check-in's question), the answer is stored only if that prompt
        is the one sent and still waiting (`StalePrompt` otherwise), and it is then used up.
        Drafts are not audited answer by answer (the return row shows them and when they
        last changed); starting, submitting and assessing are.
        """
        moment = now or datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ret, read = await self._load_for_write(session, return_id, speaking_for)
            answers = apply_answer(ret.agreement, ret.period, ret.answers, key, value, has_previous=ret.previous is not None,
                                   paid_to_date=ret.paid_to_date)
            await _write_answers(session, ret, answers, moment, prompt_id=prompt_id, read=read)
            return replace(ret, answers=answers)

    async def use_previous_figures(
        self, return_id: int, actor: str, now: datetime | None = None, *, speaking_for: Iterable[str] | None = None,
        prompt_id: str | None = None,
    ) -> MonitoringReturn:
        """"Same as last period": copy last period's figures as the starting point."""
        moment = now or datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ret, read = await self._load_for_write(session, return_id, speaking_for)
            answers = copy_from_previous(ret)
            await _write_answers(session, ret, answers, moment, prompt_id=prompt_id, read=read)
            return replace(ret, answers=answers)

    async def _load_for_write(
        self, session: AsyncSession, return_id: int, speaking_for: Iterable[str] | None
    ) -> tuple[MonitoringReturn, Reader]:
        """The open return, authorised, read under the write lock, and how to read more in this write.

        On SQLite the lock is the whole database's, so once it is held nothing can commit but
        this transaction, and what is committed is what it sees: the rest of its reads can skip
        aiosqlite's hand-offs. On PostgreSQL they stay in the transaction.
        """
        read = _quickly(self._sessions) if reads_quickly(self._sessions) else _in_session(session)
        ret = await _load(session, return_id, for_update=True, agreements=self._agreements, read=read)
        _authorise(ret, speaking_for)
        if ret.state not in OPEN_STATES:
            raise ReturnNotOpen(return_id, ret.state)
        return ret, read

    async def prompt_sent(self, return_id: int, prompt_id: str) -> None:
        """The check-in question `prompt_id` has reached Teams: it is now the one an answer may be for.

        Called after the send returns, so a prompt whose send never finished (the process
        killed mid-send) can never be answered; the question is asked again under a new id.
        """
        async with self._sessions() as session, session.begin():
            await session.execute(_SEND_PROMPT, {"return_id": return_id, "sent": prompt_id})

    async def waiting_prompt(self, return_id: int) -> str:
        """The prompt id of the question sent and not yet answered ("" when none is waiting)."""
        row = await first_row(self._sessions, _WAITING_PROMPT, {"return_id": return_id})
        return (row[0] if row else "") or ""

    async def submit(
        self, return_id: int, actor: str,
        notification: dict[str, Any] | Callable[[MonitoringReturn], dict[str, Any]] | None = None,
        now: datetime | None = None, *, speaking_for: Iterable[str] | None = None,
    ) -> MonitoringReturn:
        """Mark the return submitted (audited) and queue the contracts-channel card.

        `notification` is the card, or what builds it from the submitted return: built after
        the write, it can say who submitted it and when.
        """
        moment = now or datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ret = await _load(session, return_id, for_update=True, agreements=self._agreements)
            _authorise(ret, speaking_for)
            if ret.state not in (IN_PROGRESS, QUERIED):
                raise ReturnNotOpen(return_id, ret.state)
            if not ret.complete:
                raise ReturnIncomplete(return_id)
            row = await session.get(ReturnRow, return_id)
            assert row is not None
            row.state, row.submitted_by, row.submitted_at, row.updated_at = SUBMITTED, actor, moment, moment
            _audit(session, moment, actor, "return_submitted", ret.reference, "state", ret.state, SUBMITTED)
            submitted = await _load(session, return_id, agreements=self._agreements)
            if notification is not None:
                key = f"return_submitted:{return_id}:{moment.isoformat()}"
                built = notification(submitted) if callable(notification) else notification
                _queue(session, key, "return_submitted", submitted, "contracts_channel", "", built, moment)
            return submitted

    async def awaiting_assessment(self) -> list[MonitoringReturn]:
        """Submitted returns, oldest submission first."""
        async with self._sessions() as session:
            ids = (
                await session.scalars(
                    select(ReturnRow.id).where(ReturnRow.state == SUBMITTED).order_by(ReturnRow.submitted_at, ReturnRow.id)
                )
            ).all()
            return [await _load(session, return_id, agreements=self._agreements) for return_id in ids]

    async def returns_of(self, providers: Iterable[str], states: Iterable[str] | None = None) -> list[MonitoringReturn]:
        """Stored returns for these providers' agreements (optionally in `states`), newest period first."""
        references = [a.reference for a in await self.agreements_of(providers)]
        if not references:
            return []
        async with self._sessions() as session:
            statement = (
                select(ReturnRow.id)
                .join(PeriodRow, ReturnRow.period_id == PeriodRow.id)
                .join(AgreementRow, PeriodRow.agreement_id == AgreementRow.id)
                .where(AgreementRow.reference.in_(references))
                .order_by(PeriodRow.period_start.desc(), AgreementRow.reference)
            )
            if states is not None:
                statement = statement.where(ReturnRow.state.in_(list(states)))
            ids = (await session.scalars(statement)).all()
            return [await _load(session, return_id, agreements=self._agreements) for return_id in ids]

    async def assess(
        self,
        return_id: int,
        actor: str,
        decision: str,
        rating: str,
        comment: str,
        now: datetime | None = None,
        outcome: Callable[[MonitoringReturn], dict[str, Any]] | None = None,
        *,
        staff: bool | None = None,
    ) -> MonitoringReturn:
        """Accept or query a submitted return with a rating and comment; audited field by field.

        `outcome` builds the card that tells the provider; it is queued in the outbox for
        the provider's contact in the same transaction. From Teams, `staff` says whether the
        caller is commissioning staff as the register stands this turn: False is refused
        here, at the write (`NotStaff`), so a forged card reaches nothing. (None: a trusted
        caller such as the demo seed.)
        """
        if staff is False:
            raise NotStaff(actor)
        moment = now or datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ret = await _load(session, return_id, for_update=True, agreements=self._agreements)
            if ret.state != SUBMITTED:
                raise NotAwaitingAssessment(return_id)
            new_state = ACCEPTED if decision == ACCEPT else QUERIED
            row = await session.get(ReturnRow, return_id)
            assert row is not None
            row.state, row.assessed_by, row.assessed_at = new_state, actor, moment
            row.rating, row.assessment_comment, row.updated_at = rating, comment, moment
            action = "return_accepted" if new_state == ACCEPTED else "return_queried"
            _audit(session, moment, actor, action, ret.reference, "state", SUBMITTED, new_state)
            if rating:
                _audit(session, moment, actor, action, ret.reference, "rating", ret.rating, rating)
            if comment:
                _audit(session, moment, actor, action, ret.reference, "comment", "", comment)
            assessed = await _load(session, return_id, agreements=self._agreements)
            if outcome is not None:
                _queue(
                    session, f"{action}:{return_id}:{moment.isoformat()}", action, assessed, "provider",
                    assessed.agreement.contact_email, outcome(assessed), moment,
                )
            return assessed

    async def audit_trail(self, reference: str) -> list[AuditRecord]:
        """Audit entries about returns for one agreement, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.reference == reference, AuditEntry.action.like("return_%"))
                .order_by(AuditEntry.id)
            )
            return [AuditRecord(r.at, r.actor, r.action, r.field, r.old_value, r.new_value) for r in rows]


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    field: str
    old_value: str
    new_value: str


async def _agreement_row(session: AsyncSession, reference: str) -> AgreementRow | None:
    rows = await session.scalars(select(AgreementRow).where(AgreementRow.reference == reference))
    return rows.unique().first()


AgreementCache = dict[int, tuple[Any, Agreement]]


Reader = Callable[..., Awaitable[Sequence[Any]]]  # a Select (and its parameters) in, its rows out

# The return's own columns and its period's, read as plain rows (no ORM identity map to fill).
_RETURN_COLUMNS = (
    ReturnRow.id, ReturnRow.state, ReturnRow.answers, ReturnRow.submitted_by, ReturnRow.submitted_at,
    ReturnRow.assessed_by, ReturnRow.assessed_at, ReturnRow.rating, ReturnRow.assessment_comment,
    PeriodRow.agreement_id, PeriodRow.label, PeriodRow.period_start, PeriodRow.period_end, PeriodRow.due_date,
)

# The statements every check-in turn runs, built once with named parameters. SQLAlchemy's
# cost is in building a statement and working out its cache key, not in running it: a fresh
# `select(…).join(…).where(…)` cost about 220 µs a time against 15 µs for one built here.
_TAKE_LOCK = (
    update(ReturnRow).where(ReturnRow.id == bindparam("return_id")).values(state=ReturnRow.state)
    .execution_options(synchronize_session=False)
)
_RETURN_AND_PERIOD = (
    select(*_RETURN_COLUMNS, AgreementRow.updated_at.label("agreement_updated"))
    .join(PeriodRow, ReturnRow.period_id == PeriodRow.id)
    .join(AgreementRow, PeriodRow.agreement_id == AgreementRow.id)
    .where(ReturnRow.id == bindparam("return_id"))
)
_EARLIER_RETURN = (
    select(*_RETURN_COLUMNS)
    .join(PeriodRow, ReturnRow.period_id == PeriodRow.id)
    .where(
        PeriodRow.agreement_id == bindparam("agreement_id"),
        PeriodRow.period_start < bindparam("before"),
        ReturnRow.state.in_((SUBMITTED, QUERIED, ACCEPTED)),
    )
    .order_by(PeriodRow.period_start.desc())
    .limit(1)
)
_PAID_BY = (
    select(func.count(PaymentInstalment.id),
           func.sum(PaymentInstalment.paid_amount).filter(PaymentInstalment.paid_on <= bindparam("day")))
    .where(PaymentInstalment.agreement_id == bindparam("agreement_id"))
)
_WAITING_PROMPT = select(ReturnRow.prompt_id).where(ReturnRow.id == bindparam("return_id"))
_SEND_PROMPT = (
    update(ReturnRow).where(ReturnRow.id == bindparam("return_id")).values(prompt_id=bindparam("sent"))
    .execution_options(synchronize_session=False)
)
_KPI_ACTUALS = (
    select(ReturnKpiActual.id, ReturnKpiActual.kpi_name, ReturnKpiActual.target, ReturnKpiActual.actual,
           ReturnKpiActual.shortfall_reason).where(ReturnKpiActual.return_id == bindparam("return_id"))
)
_ANSWER_VALUES = {
    "answers": bindparam("new_answers", type_=ReturnRow.answers.type),
    "spend_in_period": bindparam("new_spend_in_period", type_=ReturnRow.spend_in_period.type),
    "spend_to_date": bindparam("new_spend_to_date", type_=ReturnRow.spend_to_date.type),
    "rag": bindparam("new_rag", type_=ReturnRow.rag.type),
    "updated_at": bindparam("new_updated_at", type_=ReturnRow.updated_at.type),
}
_STORE_ANSWERS = (
    update(ReturnRow).where(ReturnRow.id == bindparam("return_id")).values(_ANSWER_VALUES)
    .execution_options(synchronize_session=False)
)
# The check-in's answer: stored only for the question sent and still waiting, which it uses up.
_STORE_PROMPTED_ANSWERS = (
    update(ReturnRow)
    .where(ReturnRow.id == bindparam("return_id"), ReturnRow.prompt_id == bindparam("prompt"), ReturnRow.prompt_id != "")
    .values({**_ANSWER_VALUES, "prompt_id": ""})
    .execution_options(synchronize_session=False)
)


def _in_session(session: AsyncSession) -> Reader:
    """Reads inside `session`'s transaction: they see its own writes."""

    async def read(statement: Any, parameters: dict[str, Any] | None = None) -> Sequence[Any]:
        return list(await session.execute(statement, parameters))

    return read


def _quickly(sessions: async_sessionmaker[AsyncSession]) -> Reader:
    """Reads of what is committed, on SQLite without aiosqlite's hand-offs (`storage.quick_reads`)."""

    async def read(statement: Any, parameters: dict[str, Any] | None = None) -> Sequence[Any]:
        return await all_rows(sessions, statement, parameters)

    return read


async def _load(
    session: AsyncSession, return_id: int, *, for_update: bool = False, agreements: AgreementCache | None = None,
    read: Reader | None = None,
) -> MonitoringReturn:
    """A return with its agreement and the latest earlier return that was sent in (if any).

    `agreements` keeps agreements already turned into domain objects, keyed by row id and
    valid while the row's `updated_at` is unchanged (imports set it on every change).
    `read` is how the rows are read (in `session` when not given): a caller that has written
    nothing yet in `session` may read what is committed more cheaply.
    """
    read = read or _in_session(session)
    if for_update:
        # Take the write lock before reading: a row lock on PostgreSQL, the database write lock
        # on SQLite (so a read snapshot can never go stale under a concurrent writer).
        await session.execute(_TAKE_LOCK, {"return_id": return_id})
    found = await read(_RETURN_AND_PERIOD, {"return_id": return_id})
    if not found:
        raise UnknownReturn(str(return_id))
    row = found[0]
    kept = agreements.get(row.agreement_id) if agreements is not None else None
    if kept is not None and kept[0] == row.agreement_updated:
        agreement = kept[1]
    else:
        agreement_row = await session.get(AgreementRow, row.agreement_id)
        assert agreement_row is not None
        agreement = to_domain(agreement_row)
        if agreements is not None:
            if len(agreements) > AGREEMENTS_KEPT:
                agreements.clear()
            agreements[row.agreement_id] = (row.agreement_updated, agreement)
    earlier = await read(_EARLIER_RETURN, {"agreement_id": row.agreement_id, "before": row.period_start})
    previous = _domain(earlier[0], agreement, None) if earlier else None
    return _domain(row, agreement, previous, await _paid_by(read, row.agreement_id, row.period_end))


async def _paid_by(read: Reader, agreement_id: int, day: date) -> Decimal | None:
    """Money paid to the provider on or before `day`, from the stored payment schedule.

    `None` when the agreement has no stored schedule: spend is then judged against a straight
    line of the value, as before payments were recorded.
    """
    count, paid = (await read(_PAID_BY, {"agreement_id": agreement_id, "day": day}))[0]
    if not count:
        return None
    return paid if paid is not None else Decimal("0.00")  # summed as the column's Pence type: pounds


def _aware(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite returns them without a zone)."""
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _domain(row: Row[Any], agreement: Agreement, previous: MonitoringReturn | None, paid_to_date: Decimal | None = None) -> MonitoringReturn:
    """A return from a row of `_RETURN_COLUMNS`."""
    period = MonitoringPeriod(row.label, row.period_start, row.period_end, row.due_date)
    return MonitoringReturn(
        id=row.id, agreement=agreement, period=period, state=row.state,
        answers={str(k): str(v) for k, v in (row.answers or {}).items()},
        submitted_by=row.submitted_by, submitted_at=_aware(row.submitted_at), assessed_by=row.assessed_by,
        assessed_at=_aware(row.assessed_at), rating=row.rating, assessment_comment=row.assessment_comment, previous=previous,
        paid_to_date=paid_to_date,
    )


async def _write_answers(
    session: AsyncSession, ret: MonitoringReturn, answers: dict[str, str], now: datetime, *, prompt_id: str | None, read: Reader,
) -> None:
    """The answers JSON plus the columns and KPI rows staff queries read.

    With `prompt_id`, the answer is for that check-in question only: a compare-and-set on the
    return's `prompt_id` (it names the question last sent and not yet answered) stores it once,
    for that question, and uses the prompt up; `StalePrompt` if it is not the one waiting.
    `None` means a caller outside the check-in (the one-card form names its fields; demo
    seeding; tests).
    """
    parameters: dict[str, Any] = {
        "return_id": ret.id, "new_answers": dict(answers), "new_spend_in_period": _money(answers.get(SPEND_IN_PERIOD)),
        "new_spend_to_date": _money(answers.get(SPEND_TO_DATE)), "new_rag": answers.get(RAG, ""), "new_updated_at": now,
    }
    if prompt_id is None:
        await session.execute(_STORE_ANSWERS, parameters)
    else:
        written = await session.execute(_STORE_PROMPTED_ANSWERS, {**parameters, "prompt": prompt_id})
        if getattr(written, "rowcount", 0) != 1:
            raise StalePrompt(ret.id)
    await _write_kpi_actuals(session, ret, answers, read)


async def _write_kpi_actuals(session: AsyncSession, ret: MonitoringReturn, answers: dict[str, str], read: Reader) -> None:
    """One row per KPI answered, written only where it changed (most answers change none)."""
    existing = {
        r.kpi_name: r
        for r in await read(_KPI_ACTUALS, {"return_id": ret.id})
    }
    wanted = {
        kpi.name: (str(kpi.target), answers[kpi_key(kpi.name)], answers.get(reason_key(kpi.name), ""))
        for kpi in ret.agreement.kpis if kpi_key(kpi.name) in answers
    }
    stale = [r.id for name, r in existing.items() if name not in wanted]
    if stale:
        await session.execute(delete(ReturnKpiActual).where(ReturnKpiActual.id.in_(stale)))
    for name, (target, actual, reason) in wanted.items():
        current = existing.get(name)
        if current is None:
            await session.execute(insert(ReturnKpiActual).values(
                return_id=ret.id, kpi_name=name, target=target, actual=actual, shortfall_reason=reason))
        elif (current.target, current.actual, current.shortfall_reason) != (target, actual, reason):
            await session.execute(update(ReturnKpiActual).where(ReturnKpiActual.id == current.id).values(
                target=target, actual=actual, shortfall_reason=reason))


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _queue(
    session: AsyncSession, key: str, rule: str, ret: MonitoringReturn, audience: str, recipient: str, card: dict[str, Any], at: datetime
) -> None:
    """A card for the outbox sender to deliver once (idempotency key per return and moment)."""
    session.add(
        OutboxItem(
            idempotency_key=key, rule=rule, reference=ret.reference, due=ret.period.due, audience=audience,
            recipient=recipient, payload={"card": card}, state="pending", created_at=at,
        )
    )


def _audit(session: AsyncSession, at: datetime, actor: str, action: str, reference: str, field: str, old: str, new: str) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, reference=reference, field=field, old_value=old, new_value=new))
