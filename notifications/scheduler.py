"""When alerts happen: a daily sweep on working days and an outbox sender that runs all the time.

APScheduler 3's `AsyncIOScheduler` with an in-memory job store runs the sweep at
`ALERT_SWEEP_TIME` (Europe/London) Monday to Friday; the sweep itself skips bank holidays.
The job store is deliberately *not* shared between replicas. On PostgreSQL the sweep and the
sender run in one process only, whichever holds `storage.scheduler_lock` (`serve --workers N`
and replicas on other hosts stand by and take over within `LEAD_RETRY` if it goes). Correctness
never depends on that lock: a second sweep writes nothing (idempotency keys) and claims make each
alert go out from exactly one process; the lock only saves N-1 processes doing the work again.

A minute after start-up (`ALERT_CATCH_UP_DELAY`), a replica that finds today's sweep missing
(the bot was down at sweep time, or for a week) sweeps; the rules catch up on everything
crossed while it was down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Container
from datetime import UTC, date, datetime
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.working_days import is_working_day
from notifications.config import AlertSettings
from notifications.sender import OutboxSender
from notifications.sweep import SweepResult, run_sweep
from storage import alerts_repo, outbox
from storage.scheduler_lock import SchedulerLock

log = logging.getLogger(__name__)

SWEEP_JOB = "alert-sweep"
# Seconds between a standing-by process's tries for the lock, and the holder's checks that it still has it.
LEAD_RETRY = 15.0


class AlertScheduler:
    """Owns the cron sweep and the sender loop of one process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: AlertSettings,
        bank_holidays: Container[date],
        sender: OutboxSender | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        lock: SchedulerLock | None = None,
        lead_retry: float = LEAD_RETRY,
    ) -> None:
        self._lock = lock
        self._lead_retry = lead_retry
        self._lead_task: asyncio.Task[None] | None = None
        self._sessions = sessions
        self._settings = settings
        self._bank_holidays = bank_holidays
        self._sender = sender
        self._now = now or (lambda: datetime.now(settings.zone))
        self._scheduler: AsyncIOScheduler | None = None
        self._stop = asyncio.Event()
        self._sender_task: asyncio.Task[None] | None = None
        self._startup_task: asyncio.Task[Any] | None = None
        self.last_result: SweepResult | None = None
        self.last_error: str = ""

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    @property
    def running(self) -> bool:
        return bool(self._scheduler and self._scheduler.running)

    @property
    def standing_by(self) -> bool:
        """Another process holds the scheduler lock and runs the sweep and sender."""
        return self._lock is not None and not self._lock.held

    def start(self) -> None:
        """Start the cron and the sender loop (call with the event loop running); with a lock,
        start them once this process holds it."""
        if self._lock is None:
            self._start_jobs()
        else:
            self._lead_task = asyncio.create_task(self._lead(self._lock), name="alert-scheduler-lock")

    async def _lead(self, lock: SchedulerLock) -> None:
        """Try for the lock until it is ours; run the jobs while it stays ours; stand by again if it goes."""
        while True:
            try:
                if not lock.held and await lock.try_acquire():
                    log.info("This process runs the alert sweep and sender (it holds the scheduler lock)")
                    self._start_jobs()
                elif lock.held and not await lock.still_held():
                    log.warning("Lost the scheduler lock: stopping the alert sweep and sender here")
                    await self._stop_jobs()
            except Exception as error:  # noqa: BLE001 - the database is away; try again later
                log.warning("Could not check the scheduler lock: %s", type(error).__name__)
            await asyncio.sleep(self._lead_retry)

    def _start_jobs(self) -> None:
        zone = self._settings.zone
        scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=zone)
        scheduler.add_job(
            self.sweep_now,
            CronTrigger(day_of_week="mon-fri", hour=self._settings.sweep_time.hour,
                        minute=self._settings.sweep_time.minute, timezone=zone),
            id=SWEEP_JOB, coalesce=True, max_instances=1, misfire_grace_time=6 * 3600, replace_existing=True,
        )
        scheduler.start()
        self._scheduler = scheduler
        self._stop.clear()
        if self._sender is not None:
            self._sender_task = asyncio.create_task(self._sender.run_forever(self._stop), name="alert-sender")
        self._startup_task = asyncio.create_task(self._catch_up_later(), name="alert-catch-up")
        log.info("Alert scheduler started: sweeps at %s %s on working days", self._settings.sweep_time, self._settings.timezone)

    async def stop(self) -> None:
        await _cancel(self._lead_task)
        await self._stop_jobs()
        if self._lock is not None:
            await self._lock.release()

    async def _stop_jobs(self) -> None:
        self._stop.set()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in (self._startup_task, self._sender_task):
            await _cancel(task)

    async def _catch_up_later(self) -> None:
        """Give the bot a minute to settle (and a restart loop time to stop) before catching up."""
        await asyncio.sleep(self._settings.catch_up_delay)
        await self.catch_up()

    async def catch_up(self) -> SweepResult | None:
        """Sweep now if today's sweep time has passed on a working day and nobody swept today."""
        moment = self._now()
        today = moment.date()
        if not is_working_day(today, self._bank_holidays) or moment.time() < self._settings.sweep_time:
            return None
        async with self._sessions() as session:
            last = await alerts_repo.last_sweep_day(session)
        if last is not None and last >= today:
            return None
        return await self.sweep_now()

    async def sweep_now(self) -> SweepResult | None:
        """The cron job: sweep for today (skipped on bank holidays), then wake the sender."""
        today = self._now().date()
        try:
            result = await run_sweep(
                self._sessions, today, bank_holidays=self._bank_holidays, thresholds=self._settings.thresholds
            )
        except Exception as error:  # noqa: BLE001 - logged and shown on /healthz; tomorrow runs again
            self.last_error = f"{type(error).__name__}: {str(error)[:200]}"
            log.error("Alert sweep for %s failed: %s", today, self.last_error)
            return None
        self.last_result, self.last_error = result, ""
        if result.swept and self._sender is not None:
            self._sender.wake()
        return result

    def next_sweep(self) -> datetime | None:
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(SWEEP_JOB)
        return job.next_run_time if job else None

    async def health(self) -> dict[str, Any]:
        """For `/healthz`: whether the cron runs, when it sweeps next, how the last sweep went."""
        async with self._sessions() as session:
            last = await alerts_repo.last_sweep(session)
        next_run = self.next_sweep()
        sender = self._sender
        return {
            "ok": (self.running or self.standing_by or not self._settings.enabled) and not self.last_error,
            "enabled": self._settings.enabled,
            "running": self.running,
            "standing_by": self.standing_by,
            "sweep_time": f"{self._settings.sweep_time:%H:%M} {self._settings.timezone}",
            "next_sweep": next_run.isoformat() if next_run else None,
            "last_sweep": None if last is None else {
                "day": last.swept_for.isoformat(),
                "finished_at": last.finished_at.astimezone(UTC).isoformat() if last.finished_at else None,
                "alerts": last.alerts,
            },
            "last_error": self.last_error or None,
            "sender_last_pass": sender.last_run_at.isoformat() if sender and sender.last_run_at else None,
        }

    async def outbox_health(self) -> dict[str, Any]:
        """For `/healthz`: the outbox backlog by state and the oldest alert still waiting."""
        async with self._sessions() as session:
            backlog = await outbox.backlog(session)
        return {
            "ok": True,
            "waiting": backlog.waiting,
            **backlog.counts,
            "oldest_waiting": backlog.oldest_waiting.isoformat() if backlog.oldest_waiting else None,
        }


async def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
            pass
