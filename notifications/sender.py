"""Delivering the outbox: claim, group, rate-limit, send, record — each alert once, in order.

One pass (`run_once`):
1. claim up to `batch_size` items (no other worker can have them; see `storage/outbox.py`);
2. group them by queue — the alert channel, or one person — keeping their order;
3. for each queue (queues run side by side) find where it goes, batch its alerts into as few
   cards as sense allows (`max_per_card`), and send them one after another, each send waiting
   for Teams' rate limits;
4. record each message as delivered the moment the connector accepts it.

A 429 or 5xx is retried with backoff that honours `Retry-After`, in place while the wait is
short, otherwise by handing the item back with a `next_attempt_at` (later items for the same
queue wait behind it, so order holds). 403 `MessageWritesBlocked` marks the conversation blocked
and stops alerts there. A `card_update` item (storage/posted_cards.py) replaces a card posted
earlier instead of posting a new one; its 404 means that message is gone, not the chat. No conversation yet (nobody typed "send alerts here", or the person has
never talked to the bot) is not an error: the item waits and is tried again later.

Delivery is at-least-once at the wire and exactly-once in effect: a crash between the
connector accepting a message and the "delivered" commit (a few milliseconds) would send that
one message again after the lease expires; every other crash loses and repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifications import undelivered
from notifications.delivery import (
    ConversationBlocked,
    PermanentSendError,
    Reference,
    Render,
    Send,
    TransientSendError,
    backoff_delay,
)
from notifications.installs import Install, install_once
from notifications.rate_limit import RateLimiter
from storage.alerts_repo import DeliveryTarget, delivery_target
from storage.conversations import ConversationRecord, find_conversation, mark_blocked, save_conversation
from storage.outbox import (
    DEFAULT_LEASE,
    OutboxEntry,
    PostedAt,
    claim,
    mark_dead,
    mark_delivered,
    mark_retry,
    release,
    renew,
)

log = logging.getLogger(__name__)

NO_ALERT_CHANNEL = "No alert channel yet: type \"send alerts here\" in the contracts channel."
NOT_REACHABLE = "{who} has not talked to the bot yet: this waits until they do."


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DeliveryReport:
    """What one pass did, for logs, tests and `/healthz`."""

    claimed: int = 0
    delivered: int = 0
    messages: int = 0
    retry_later: int = 0
    dead: int = 0
    waiting_for_recipient: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class SenderOptions:
    """Tuning; the defaults suit Teams."""

    batch_size: int = 200
    batching: bool = True
    # One digest card per chat per sweep: the card groups and trims its own lines (bot.cards.digest).
    max_per_card: int = 500
    lease: timedelta = DEFAULT_LEASE
    max_attempts: int = 10
    inline_retries: int = 5
    max_inline_wait: float = 60.0
    backoff_base: float = 1.0
    backoff_cap: float = 600.0
    recipient_wait: timedelta = timedelta(hours=1)
    # After the app was installed for someone, Teams sends the bot their conversation within seconds.
    install_wait: timedelta = timedelta(minutes=2)
    idle_interval: float = 5.0


class _Stop(Exception):
    """This queue can go no further in this pass."""


@dataclass
class _Claim:
    """The items of one queue this worker holds, and when it last renewed its lease on them."""

    held: set[int]
    renewed: datetime


class OutboxSender:
    """Delivers claimed outbox items through `send`; safe to run in several processes at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        send: Send,
        render: Render,
        *,
        options: SenderOptions | None = None,
        limiter: RateLimiter | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        install: Install | None = None,
    ) -> None:
        self._sessions = sessions
        self._install = install
        self._send = send
        self._render = render
        self.options = options or SenderOptions()
        self._limiter = limiter or RateLimiter()
        self.worker_id = worker_id or default_worker_id()
        self._clock = clock
        self._sleep = sleep
        self._wake = asyncio.Event()
        self.last_report: DeliveryReport | None = None
        self.last_run_at: datetime | None = None

    # --- the loop ------------------------------------------------------------------------

    def wake(self) -> None:
        """New items were written (a sweep just ran): start a pass now."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop` is set; sleeps `idle_interval` when there was nothing to do."""
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception as error:  # noqa: BLE001 - a database blip must not end delivery
                log.error("Outbox pass failed: %s: %s", type(error).__name__, str(error)[:300])
                report = DeliveryReport()
            if report.claimed == 0:
                self._wake.clear()
                waiter = asyncio.ensure_future(self._wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=self.options.idle_interval, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()

    async def drain(self, *, max_passes: int = 10_000) -> DeliveryReport:
        """Passes until nothing is claimable now (items waiting for a retry time are left)."""
        total = DeliveryReport()
        for _ in range(max_passes):
            report = await self.run_once()
            total.add(report)
            if report.claimed == 0:
                break
        return total

    async def run_once(self) -> DeliveryReport:
        """Claim one batch and deliver it."""
        entries = await claim(
            self._sessions, self.worker_id, now=self._clock(), limit=self.options.batch_size, lease=self.options.lease
        )
        report = DeliveryReport(claimed=len(entries))
        queues: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            queues.setdefault(entry.queue, []).append(entry)
        results = await asyncio.gather(
            *(self._deliver_queue(queue, items) for queue, items in queues.items()), return_exceptions=True
        )
        for items, result in zip(queues.values(), results, strict=True):
            if isinstance(result, BaseException):
                log.error("Delivery to one queue failed: %s: %s", type(result).__name__, str(result)[:300])
                await release(self._sessions, [item.id for item in items])
            else:
                report.add(result)
        self.last_report, self.last_run_at = report, self._clock()
        if report.claimed:
            log.info(
                "Outbox pass: %d claimed, %d delivered in %d messages, %d to retry, %d dead, %d waiting for a recipient",
                report.claimed, report.delivered, report.messages, report.retry_later, report.dead, report.waiting_for_recipient,
            )
        return report

    # --- one queue -----------------------------------------------------------------------

    def messages_for(self, items: Sequence[OutboxEntry]) -> list[list[OutboxEntry]]:
        """Items grouped into messages: digests of up to `max_per_card`; ready-made cards and card updates alone."""
        if not self.options.batching:
            return [[item] for item in items]
        messages: list[list[OutboxEntry]] = []
        current: list[OutboxEntry] = []
        for item in items:
            if "card" in item.payload or "update" in item.payload:
                if current:
                    messages.append(current)
                    current = []
                messages.append([item])
                continue
            current.append(item)
            if len(current) >= self.options.max_per_card:
                messages.append(current)
                current = []
        if current:
            messages.append(current)
        return messages

    async def _deliver_queue(self, queue: str, items: list[OutboxEntry]) -> DeliveryReport:
        report = DeliveryReport()
        async with self._sessions() as session:
            target = await delivery_target(session, queue)
        if target is None:
            why, wait = await self._unreachable(queue)
            await mark_retry(self._sessions, [i.id for i in items], at=self._clock() + wait,
                             error=why, count_attempt=False)
            report.waiting_for_recipient += len(items)
            return report
        messages = self.messages_for(items)
        claim = _Claim({item.id for item in items}, self._clock())
        for index, message in enumerate(messages):
            rest = [item.id for later in messages[index + 1:] for item in later]
            try:
                target = await self._deliver_message(target, message, rest, report, claim)
            except _Stop:
                return report
        return report

    async def _unreachable(self, queue: str) -> tuple[str, timedelta]:
        """Why a queue has nowhere to go, and how long to wait; installs the app for a person once."""
        if queue == "channel":
            return NO_ALERT_CHANNEL, self.options.recipient_wait
        if self._install is None:
            return NOT_REACHABLE.format(who=queue), self.options.recipient_wait
        why, installing = await install_once(self._sessions, self._install, queue, self._clock())
        return why, self.options.install_wait if installing else self.options.recipient_wait

    async def _still_mine(self, claim: _Claim, ids: list[int]) -> bool:
        """True while this worker still holds `ids`. Checked (and the lease renewed) whenever a
        third of the lease has passed, right before sending, so a worker that stalled past its
        lease never sends what another worker has since taken over."""
        now = self._clock()
        if now - claim.renewed > self.options.lease / 3:
            claim.held = await renew(self._sessions, sorted(claim.held), self.worker_id, now)
            claim.renewed = now
        return all(item_id in claim.held for item_id in ids)

    async def _deliver_message(
        self, target: DeliveryTarget, message: list[OutboxEntry], rest: list[int], report: DeliveryReport,
        claim: _Claim,
    ) -> DeliveryTarget:
        """Send one message, retrying in place while that makes sense; returns the (new) target."""
        ids = [item.id for item in message]
        attempt = max(item.attempts for item in message)
        inline = 0
        card = self._render(message)
        update = message[0].payload.get("update") if len(message) == 1 else None
        posted_in = await self._posted_reference(target, update) if update else None
        if update and posted_in is None:
            await mark_dead(self._sessions, ids, error=undelivered.card_gone(None))
            report.dead += len(ids)
            return target
        while True:
            try:
                async with self._limiter.slot(target.conversation_id):
                    if not await self._still_mine(claim, ids):
                        log.warning("Claim on %d alerts lapsed; another worker has them", len(ids))
                        raise _Stop
                    if update and posted_in is not None:
                        posted = await self._send(posted_in, card, replace=str(update.get("activity") or ""))
                    else:
                        posted = await self._send(target.reference, card, create_personal=target.create_personal)
            except _Stop:
                raise
            except ConversationBlocked as error:
                if update:
                    # The message was deleted (or the chat is gone): nothing to replace. The next
                    # alert to that chat finds out whether the chat itself is still there.
                    await mark_dead(self._sessions, ids, error=undelivered.card_gone(error.status))
                    report.dead += len(ids)
                    return target
                await self._blocked(target, ids + rest, error.status)
                report.dead += len(ids) + len(rest)
                raise _Stop from None
            except PermanentSendError as error:
                log.warning("The connector refused a message (%s): %s", error.status, str(error)[:200])
                await mark_dead(self._sessions, ids, error=undelivered.refused(error.status))
                report.dead += len(ids)
                return target
            except Exception as error:  # noqa: BLE001 - transient, or a surprise: both retried
                retry_after = error.retry_after if isinstance(error, TransientSendError) else None
                status = error.status if isinstance(error, TransientSendError) else None
                if not isinstance(error, TransientSendError):
                    log.error("Unexpected error sending an alert: %s: %s", type(error).__name__, str(error)[:200])
                attempt += 1
                inline += 1
                delay = backoff_delay(attempt, base=self.options.backoff_base, cap=self.options.backoff_cap,
                                      retry_after=retry_after)
                if status == 429:
                    self._limiter.pause(target.conversation_id, delay)
                text = f"{status or type(error).__name__}: {str(error)[:300]}"
                if attempt >= self.options.max_attempts:
                    log.warning("Gave up on %d alerts after %d attempts: %s", len(ids), attempt, text)
                    await mark_dead(self._sessions, ids, error=undelivered.gave_up(status or type(error).__name__, attempt))
                    report.dead += len(ids)
                    return target
                if inline <= self.options.inline_retries and delay <= self.options.max_inline_wait:
                    await self._sleep(delay)
                    continue
                await mark_retry(self._sessions, ids, at=self._clock() + timedelta(seconds=delay), error=undelivered.retrying(status or type(error).__name__))
                await release(self._sessions, [i for i in rest if i in claim.held])
                report.retry_later += len(ids)
                raise _Stop from None
            where = None
            if len(message) == 1 and not update:
                chat = (posted.created or {}).get("conversation") or {}
                where = PostedAt(str(chat.get("id") or target.conversation_id), posted.activity_id)
            await mark_delivered(self._sessions, ids, self._clock(), posted=where)
            report.delivered += len(ids)
            report.messages += 1
            if posted.created:
                return await self._remember_created(target, posted.created)
            return target

    async def _posted_reference(self, target: DeliveryTarget, update: dict[str, object]) -> Reference | None:
        """The reference of the chat a card to replace was posted in; None once that chat is gone."""
        conversation_id = str(update.get("conversation") or "")
        if conversation_id == target.conversation_id and not target.create_personal:
            return target.reference
        async with self._sessions() as session:
            record = await find_conversation(session, conversation_id)
        return None if record is None or record.blocked else record.reference

    async def _blocked(self, target: DeliveryTarget, ids: list[int], status: int | None) -> None:
        log.warning("Conversation %s is blocked or gone (%s); alerts there stop", target.conversation_id, status)
        person = target.conversation_id.removeprefix("personal:") if target.create_personal else ""
        await mark_dead(self._sessions, ids, error=undelivered.blocked(status, self._clock(), person=person))
        if not target.create_personal:
            async with self._sessions.begin() as session:
                await mark_blocked(session, target.conversation_id)

    async def _remember_created(self, target: DeliveryTarget, reference: Reference) -> DeliveryTarget:
        """A personal chat was just created: store it, and use it for the rest of this queue."""
        conversation = reference.get("conversation") or {}
        conversation_id = str(conversation.get("id") or "")
        if not conversation_id:
            return target
        user = reference.get("user") or {}
        email = target.conversation_id.removeprefix("personal:")
        async with self._sessions.begin() as session:
            await save_conversation(session, ConversationRecord(
                conversation_id=conversation_id, reference=reference, tenant_id=str(conversation.get("tenantId") or ""),
                conversation_type="personal", user_id=str(user.get("id") or ""), user_email=email,
            ))
        return replace(target, conversation_id=conversation_id, reference=reference, create_personal=False)
