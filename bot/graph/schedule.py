"""The register sync in a running bot: on a schedule in working hours, or when staff ask in Teams.

`RegisterSyncer` owns one APScheduler interval job (`REGISTER_SYNC_EVERY` minutes) whose
runs outside working hours do nothing (see `domain.sync_schedule`), and the "sync the
register" command. Both go through `bot.graph.sync.sync_register`, which lets one sync run at a
time; the register cache notices the new rows on the next question, and the next sweep sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.graph.client import GraphClient
from bot.graph.payment_writeback import PaymentWriteBack
from bot.graph.register_source import RegisterSource
from bot.graph.sync import SyncReport, sync_register
from bot.graph.writeback import WriteBack
from domain.sync_schedule import in_working_hours, next_sync_at
from storage.db import session_factory
from storage.register_sync import sync_state

log = logging.getLogger(__name__)
SYNC_JOB = "register-sync"


class RegisterSyncer:
    """Syncs the Microsoft 365 register for one bot process."""

    def __init__(
        self, engine: AsyncEngine, source: RegisterSource, graph: GraphClient | None, *,
        today: Callable[[], date], bank_holidays: Container[date], now: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.source = source
        self.graph = graph
        self._today = today
        self._bank_holidays = bank_holidays
        self._zone = ZoneInfo(source.timezone)
        self._now = now or (lambda: datetime.now(self._zone))
        self._scheduler: AsyncIOScheduler | None = None
        self.last_report: SyncReport | None = None
        self.writeback = WriteBack(engine, source, graph) if graph is not None else None
        self.payments_writeback = PaymentWriteBack(engine, source, graph) if graph is not None else None

    async def after_payment(self, reference: str, actor: str) -> str:
        """Write a payment recorded in Teams to the payments list; the sentence to add to the reply when it could not be."""
        if self.payments_writeback is None or not self.payments_writeback.enabled:
            return ""
        result = await self.payments_writeback.push(reference, actor)
        if result.outcome != "written":
            log.log(logging.WARNING if result.note else logging.DEBUG, "Payments write-back for %s: %s", reference,
                    result.outcome)
        return result.note

    async def after_decision(self, reference: str, actor: str) -> str:
        """Write a recorded decision back to the list; the sentence to add to the reply when it could not be."""
        if self.writeback is None or not self.writeback.enabled:
            return ""
        result = await self.writeback.push(reference, actor)
        if result.outcome != "written":
            log.log(logging.WARNING if result.note else logging.DEBUG, "Write-back for %s: %s", reference, result.outcome)
        return result.note

    @property
    def configured(self) -> bool:
        return self.source.configured and self.graph is not None

    async def sync_now(self, actor: str = "") -> SyncReport:
        """One sync, now (the schedule and the Teams command both come here)."""
        assert self.graph is not None, "sync_now needs a configured register source"
        report = await sync_register(self.engine, self.source, self.graph, today=self._today(), actor=actor)
        self.last_report = report
        level = logging.INFO if report.ok else logging.WARNING
        log.log(level, "Register sync: %s", report.summary_line())
        if report.ok and self.writeback is not None:
            written = await self.writeback.retry_pending() + await self.writeback.push_return_statuses(self._today())
            if self.payments_writeback is not None and report.payments is not None and report.payments.ok:
                await self.payments_writeback.push()  # payments refused earlier, now with fresh eTags
            if written:
                log.info("Register sync: %s earlier write-backs went through after the sync", written)
        return report

    async def _scheduled(self) -> None:
        if not in_working_hours(self._now(), self._bank_holidays):
            return
        try:
            await self.sync_now()
        except Exception as error:  # noqa: BLE001 - logged; the next run tries again
            log.error("Register sync failed: %s", type(error).__name__)

    def start(self) -> None:
        """Start the interval job (with the event loop running); nothing when unconfigured or off."""
        if not self.configured or self.source.every_minutes <= 0:
            return
        scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=self._zone)
        scheduler.add_job(self._scheduled, IntervalTrigger(minutes=self.source.every_minutes, timezone=self._zone),
                          id=SYNC_JOB, coalesce=True, max_instances=1, next_run_time=self._now(), replace_existing=True)
        scheduler.start()
        self._scheduler = scheduler
        log.info("Register sync scheduled every %s minutes in working hours", self.source.every_minutes)

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def health(self) -> dict[str, Any]:
        """For `/healthz`: configured or not, the last sync and the next."""
        if not self.configured:
            return {"ok": True, "configured": False}
        async with session_factory(self.engine)() as session:
            state = await sync_state(session, self.source.key)
        upcoming = next_sync_at(self._now(), state.finished_at, self.source.every_minutes, self._bank_holidays)
        # A refused or failed sync leaves the bot answering from the last good register, so it is
        # not a reason to take the bot out of service: `needs_attention` says it, `ok` stays true.
        return {
            "ok": True,
            "needs_attention": state.outcome in ("refused", "failed"),
            "configured": True,
            "source": self.source.label,
            "last_sync": state.finished_at.isoformat() if state.finished_at else None,
            "last_outcome": state.outcome or None,
            "counts": state.counts,
            "next_sync": upcoming.isoformat() if upcoming else None,
        }
