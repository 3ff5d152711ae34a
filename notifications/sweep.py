"""The sweep: run the alert rules once and write what they owe to the outbox.

Read the register, returns, decisions and snoozes; ask `domain.alerts` what is owed since the
last sweep (catch-up is the rules' job); leave out keys the outbox already holds; then, in one
transaction, write the new alerts and record the sweep run. Two replicas sweeping at the same
moment write each alert once (the outbox insert ignores keys already there).

Sweeps run on working days only. `force=True` (the CLI's `--force`) sweeps on any day.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.agreement import Agreement
from domain.alerts import (
    Alert,
    AlertThresholds,
    QualityCheck,
    ReturnRecord,
    SweepInput,
    alert_window,
    alerts_due,
    could_alert,
    digest_day,
)
from domain.payment_alerts import Payee, PaymentParty, PaymentSweep, PaymentThresholds, payment_alerts, payment_window
from domain.payments import Instalment
from domain.working_days import add_working_days, is_working_day
from storage import alerts_repo
from storage.agreements import Wanted
from storage.outbox import add_alerts, all_keys
from storage.payment_sweep import alertable_schedules, digest_schedules

log = logging.getLogger(__name__)

NOT_A_WORKING_DAY = "{day} is not a working day (weekend or bank holiday): no sweep. Use --force to sweep anyway."


def _quality_check() -> QualityCheck:
    """`domain.data_quality.problems`, the weekly register check."""
    from domain.data_quality import problems

    return problems


def _prefilter(today: date, limits: AlertThresholds, returns: list[ReturnRecord]) -> Wanted:
    """Off a digest day, only agreements that could alert today count. The database selects by
    `alert_window` first, so most rows of a large register are never read; this check then
    decides row by row."""
    with_returns = {record.reference for record in returns}

    def wanted(end: date | None, monitoring: str, start: date | None, imported: date | None, reference: str) -> bool:
        return reference in with_returns or could_alert(end, monitoring, start, imported, today, limits)

    return wanted


@dataclass(frozen=True)
class _DayReads:
    """What a sweep reads for today: agreements for every rule, and for the payment rules only."""

    agreements: list[Agreement]
    unpaid: dict[str, tuple[Instalment, ...]]
    payment_only: list[PaymentParty] = field(default_factory=list)

    def payees(self) -> list[Payee]:
        """Everyone the payment rules look at, in reference order (the order alerts are written in)."""
        if not self.payment_only:
            return list(self.agreements)
        return sorted([*self.agreements, *self.payment_only], key=lambda payee: payee.reference)


async def _ordinary_day(
    session: AsyncSession, today: date, limits: AlertThresholds, returns: list[ReturnRecord],
    bank_holidays: Container[date], sent_keys: Container[str],
) -> _DayReads:
    """Off a digest day, only what can alert today: the instalments that can owe an alert not
    already sent (`sent_keys`); the agreements in the alert window or with returns; and, as
    payment parties, the agreements of those instalments that no other rule needs today."""
    alertable = await alertable_schedules(session, payment_window(today, bank_holidays, thresholds=PaymentThresholds()), sent_keys)
    agreements = await alerts_repo.live_agreements(session, _prefilter(today, limits, returns), alert_window(today, limits))
    known = {agreement.reference for agreement in agreements}
    payment_only = [party for reference, party in alertable.parties.items() if reference not in known]
    return _DayReads(agreements, alertable.schedules, payment_only)


async def _digest_day(
    session: AsyncSession, today: date, bank_holidays: Container[date],
) -> _DayReads:
    """On the digest day, every live agreement (the digests list them all) and every unpaid
    instalment of theirs due within the payments digest's horizon."""
    limits = PaymentThresholds()
    soon = add_working_days(today, limits.due_soon, bank_holidays)
    horizon = max(soon, today + timedelta(days=limits.digest_horizon_days))
    live = await alerts_repo.every_live_agreement(session)
    unpaid = await digest_schedules(session, {row_id: agreement.reference for row_id, agreement in live.items()}, horizon)
    return _DayReads(sorted(live.values(), key=lambda agreement: agreement.reference), unpaid)


@dataclass
class SweepResult:
    """What a sweep found and wrote."""

    today: date
    swept: bool
    alerts: list[Alert] = field(default_factory=list)
    written: int = 0
    last_sweep: date | None = None
    skipped_reason: str = ""
    seconds: float = 0.0
    agreements: int = 0


async def run_sweep(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    *,
    bank_holidays: Container[date],
    thresholds: AlertThresholds | None = None,
    dry_run: bool = False,
    force: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SweepResult:
    """Sweep for `today`; with `dry_run`, report what would be written and write nothing."""
    if not force and not is_working_day(today, bank_holidays):
        return SweepResult(today, swept=False, skipped_reason=NOT_A_WORKING_DAY.format(day=today.isoformat()))
    with _collector_paused():
        return await _sweep(sessions, today, bank_holidays, thresholds or AlertThresholds(), dry_run, clock)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a sweep runs.

    A large sweep makes a few hundred thousand small objects (rows, agreements, alerts) that
    all live until it ends and hold no cycles; the collector would walk them again and again
    for nothing, a third of a 100,000-agreement sweep's time. Reference counting still frees
    everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def _sweep(
    sessions: async_sessionmaker[AsyncSession], today: date, bank_holidays: Container[date], limits: AlertThresholds,
    dry_run: bool, clock: Callable[[], datetime],
) -> SweepResult:
    started_at, started = clock(), time.perf_counter()
    async with sessions() as session:
        last = await alerts_repo.last_sweep_day(session, before=today)
        returns = await alerts_repo.return_records(session)
        sent_keys = await all_keys(session)
        # Only stored schedules alert: a generated one (PAYMENT_PROFILE) is an estimate, not a promise.
        if digest_day(last, today, limits.digest_weekday) is None:
            reads = await _ordinary_day(session, today, limits, returns, bank_holidays, sent_keys)
        else:
            reads = await _digest_day(session, today, bank_holidays)
        sweep_input = SweepInput(
            agreements=reads.agreements,
            returns=returns,
            decisions=await alerts_repo.decisions(session),
            snoozes=await alerts_repo.snoozes(session, today),
            sent_keys=sent_keys,
            last_sweep=last,
            bank_holidays=bank_holidays,
            quality=_quality_check(),
        )
    new = alerts_due(sweep_input, today, limits)
    new += payment_alerts(reads.payees(), PaymentSweep(
        schedules=reads.unpaid, sent_keys=sweep_input.sent_keys, snoozes=sweep_input.snoozes,
        bank_holidays=bank_holidays, last_sweep=last,
    ), today)
    result = SweepResult(today, swept=True, alerts=new, last_sweep=last,
                         agreements=len(reads.agreements) + len(reads.payment_only))
    if not dry_run:
        async with sessions.begin() as session:
            result.written = await add_alerts(session, new, started_at)
            alerts_repo.record_sweep(session, today, started_at, clock(), result.written)
    result.seconds = time.perf_counter() - started
    log.info(
        "Sweep for %s: %d agreements, %d new alerts%s in %.2fs",
        today, result.agreements, len(new), " (dry run)" if dry_run else "", result.seconds,
    )
    return result
