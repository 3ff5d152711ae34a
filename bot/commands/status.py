"""`commissioning-bot status`: when the last sweep ran, when the next one is, and what is waiting.

For staff and operators: the last sweep (day, time, alerts written), the next scheduled one,
the outbox by state, and each alert not yet delivered with why (waiting for a retry, no alert
channel yet, blocked); then the payments: instalments overdue and due in the next working days,
when the schedules were last loaded or synced and the last payment recorded, payments still to
be written back, and payment alerts not yet delivered. `--json` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from typing import Any

from bot.commands.common import LONDON, add_today_argument, database_url, migrated_engine, run_async

NEVER_SWEPT = "No sweep has run yet. Run `commissioning-bot sweep`, or start the bot with `serve`."
LAST_SWEEP = "Last sweep: for {day}, finished {finished}, {alerts} new alerts."
NEXT_SWEEP = "Next sweep: {when} (working days at {time} {zone})."
OUTBOX = "Outbox: {waiting} waiting ({pending} pending, {failed} to retry, {claimed} being sent), {delivered} delivered, {dead} not deliverable."
NOTHING_WAITING = "Nothing is waiting to be sent."
NOT_SYNCED = "Register sync: off (the register is the last file imported; set REGISTER_SITE to sync from Microsoft 365)."
NEVER_SYNCED = "Register sync: {source} has not been synced yet; next sync {next}."
LAST_SYNC = ("Register sync: {source}, last {finished}: {outcome} ({added} added, {changed} changed, {unchanged} unchanged, "
             "{flagged_removed} flagged as removed); next sync {next}.")
SYNC_PROBLEM = "  Last sync said: {message}"
WRITEBACK_PROBLEM = "  Write-back {outcome} for {reference} ({actor}, {at}): {message}"
NO_PAYMENTS = "Payments: no payment schedules yet. Load them with `commissioning-bot import-payments FILE`."
PAYMENTS = ("Payments: {overdue} overdue ({overdue_total}), {awaiting} due and not yet overdue ({awaiting_total}), "
            "{due_soon} due by {soon_until} ({due_soon_total}).")
PAYMENTS_LOADED = "  Schedules last loaded {at} from {what}{by}."
PAYMENTS_RECORDED = "  Last payment recorded {at} for {what}{by}."
PAYMENTS_TO_WRITE_BACK = "  Recorded payments still to be written to the payments list: {count} (tried again after each sync)."
PAYMENT_ALERTS_WAITING = "  Payment alerts not yet delivered: {waiting}{dead}."
PAYMENTS_SYNC = "  Payments sync: {source}, last {finished}: {outcome} ({instalments} instalments for {agreements} agreements, {changed} changed)."
PAYMENTS_NEVER_SYNCED = "  Payments sync: {source} has not been synced yet."


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--limit", type=int, default=50, help="list at most this many waiting alerts (default 50)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    return run_async(_status(args, database_url(args)))


def next_sweep_at(now: datetime, sweep_time: Any, bank_holidays: Any, last_day: date | None) -> datetime:
    """The next scheduled sweep: today at the sweep time if not yet swept, else the next working day."""
    from domain.working_days import is_working_day, next_working_day

    today = now.date()
    if is_working_day(today, bank_holidays) and (last_day is None or last_day < today):
        day = today
    else:
        day = next_working_day(today, bank_holidays)
    moment = datetime.combine(day, sweep_time, tzinfo=now.tzinfo)
    if day == today and moment < now:
        return now  # overdue: a running bot sweeps at once on start-up
    return moment


async def _status(args: argparse.Namespace, url: str) -> int:
    from notifications.calendar import BankHolidays
    from notifications.config import AlertSettings
    from storage import alerts_repo, outbox
    from storage.db import session_factory
    from storage.payments_status import payments_status

    settings = AlertSettings.from_environ()
    now = datetime.now(settings.zone)
    if args.today:
        now = datetime.combine(date.fromisoformat(args.today), now.timetz())
    engine = await migrated_engine(url)
    try:
        async with session_factory(engine)() as session:
            last = await alerts_repo.last_sweep(session)
            backlog = await outbox.backlog(session)
            waiting = await outbox.waiting_items(session, limit=max(1, args.limit))
            sync = await _sync_status(session, now)
            payments = await payments_status(session, now.date(), BankHolidays())
    finally:
        await engine.dispose()
    upcoming = next_sweep_at(now, settings.sweep_time, BankHolidays(), last.swept_for if last else None)
    if args.json:
        print(json.dumps({
            "last_sweep": None if last is None else {
                "day": last.swept_for.isoformat(),
                "started_at": last.started_at.isoformat(),
                "finished_at": last.finished_at.isoformat() if last.finished_at else None,
                "alerts": last.alerts,
            },
            "next_sweep": upcoming.isoformat(),
            "outbox": {**backlog.counts, "waiting": backlog.waiting},
            "waiting": [_item_json(item) for item in waiting],
            "register_sync": sync,
            "payments": _payments_json(payments, sync),
        }, ensure_ascii=False))
        return 0
    for line in _lines(last, upcoming, settings, backlog, waiting) + _sync_lines(sync) + _payment_lines(payments, sync):
        print(line)
    return 0


async def _sync_status(session: Any, now: datetime) -> dict[str, Any] | None:
    """The Microsoft 365 sync: where from, the last run and its counts, the next run, write-back conflicts."""
    from bot.graph.register_source import RegisterSource, SourceRefused
    from domain.sync_schedule import next_sync_at
    from notifications.calendar import BankHolidays
    from storage.register_sync import recent_writeback_problems, sync_state

    try:
        source = RegisterSource.from_environ()
    except SourceRefused as refused:
        return {"configured": False, "error": str(refused)}
    if not source.configured:
        return None
    state = await sync_state(session, source.key)
    upcoming = next_sync_at(now, state.finished_at, source.every_minutes, BankHolidays())
    problems = await recent_writeback_problems(session)
    payments = await sync_state(session, source.payments_key) if source.payments_list else None
    return {
        "configured": True, "source": source.label, "site": source.site,
        "last_sync": state.finished_at.isoformat() if state.finished_at else None,
        "outcome": state.outcome or None, "counts": state.counts, "message": state.message or None,
        "next_sync": upcoming.isoformat() if upcoming else None,
        "writeback_problems": [
            {"at": p.at.isoformat(), "reference": p.reference, "outcome": p.outcome, "message": p.message, "actor": p.actor}
            for p in problems
        ],
        "payments_sync": None if payments is None else {
            "source": source.payments_label, "last_sync": payments.finished_at.isoformat() if payments.finished_at else None,
            "outcome": payments.outcome or None, "counts": payments.counts, "message": payments.message or None,
        },
    }


def _sync_lines(sync: dict[str, Any] | None) -> list[str]:
    if sync is None:
        return [NOT_SYNCED]
    if not sync["configured"]:
        return [f"Register sync: cannot start: {sync['error']}"]
    upcoming = _london(datetime.fromisoformat(sync["next_sync"])) if sync["next_sync"] else "off (REGISTER_SYNC_EVERY=0)"
    if sync["last_sync"] is None:
        lines = [NEVER_SYNCED.format(source=sync["source"], next=upcoming)]
    else:
        counts = {"added": 0, "changed": 0, "unchanged": 0, "flagged_removed": 0, **sync["counts"]}
        lines = [LAST_SYNC.format(source=sync["source"], finished=_london(datetime.fromisoformat(sync["last_sync"])),
                                  outcome=sync["outcome"], next=upcoming, **counts)]
        if sync["outcome"] in ("refused", "failed") and sync["message"]:
            lines += [SYNC_PROBLEM.format(message=line) for line in sync["message"].splitlines()[:5]]
    lines += [WRITEBACK_PROBLEM.format(**problem) for problem in sync["writeback_problems"]]
    return lines


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "rule": item.rule, "reference": item.reference or None, "due": item.due.isoformat() if item.due else None,
        "audience": item.audience, "recipient": item.recipient, "state": item.state, "attempts": item.attempts,
        "next_attempt_at": item.next_attempt_at.isoformat() if item.next_attempt_at else None,
        "last_error": item.last_error or None,
    }


def _london(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%a %d %b %Y %H:%M") if moment else "not finished"


def _lines(last: Any, upcoming: datetime, settings: Any, backlog: Any, waiting: list[Any]) -> list[str]:
    lines = [NEVER_SWEPT if last is None else LAST_SWEEP.format(
        day=last.swept_for.isoformat(), finished=_london(last.finished_at), alerts=last.alerts)]
    lines.append(NEXT_SWEEP.format(when=_london(upcoming), time=settings.sweep_time.strftime("%H:%M"), zone=settings.timezone))
    counts = backlog.counts
    lines.append(OUTBOX.format(waiting=backlog.waiting, pending=counts["pending"], failed=counts["failed"],
                               claimed=counts["claimed"], delivered=counts["delivered"], dead=counts["dead"]))
    if not waiting:
        lines.append(NOTHING_WAITING)
    for item in waiting:
        when = f", next try {_london(item.next_attempt_at)}" if item.next_attempt_at and item.state == "failed" else ""
        why = f" — {item.last_error}" if item.last_error else ""
        who = item.audience if item.audience == "channel" else f"{item.audience} {item.recipient}"
        due = item.due.isoformat() if item.due else "-"
        lines.append(f"  [{item.state}] {item.rule} {item.reference or '-'} due {due} → {who}{when}{why}")
    return lines


def _payments_json(payments: Any, sync: dict[str, Any] | None) -> dict[str, Any]:
    def bucket(b: Any) -> dict[str, Any]:
        return {"count": b.count, "outstanding": str(b.outstanding)}

    def event(e: Any) -> dict[str, Any] | None:
        return None if e is None else {"at": e.at.isoformat(), "what": e.what, "actor": e.actor or None}

    return {
        "instalments": payments.instalments, "overdue": bucket(payments.overdue), "awaiting": bucket(payments.awaiting),
        "due_soon": {**bucket(payments.due_soon), "until": payments.soon_until.isoformat()},
        "last_loaded": event(payments.last_loaded), "last_recorded": event(payments.last_recorded),
        "to_write_back": payments.to_write_back, "undelivered_alerts": payments.undelivered,
        "sync": (sync or {}).get("payments_sync"),
    }


def _payment_lines(payments: Any, sync: dict[str, Any] | None) -> list[str]:
    """What a finance officer checks: money late or about to fall due, where the figures came from, what is stuck."""
    from domain.values import format_date, format_money

    payments_sync = (sync or {}).get("payments_sync")
    if payments.instalments == 0 and payments_sync is None:
        return [NO_PAYMENTS]
    lines = [PAYMENTS.format(
        overdue=payments.overdue.count, overdue_total=format_money(payments.overdue.outstanding),
        awaiting=payments.awaiting.count, awaiting_total=format_money(payments.awaiting.outstanding),
        due_soon=payments.due_soon.count, due_soon_total=format_money(payments.due_soon.outstanding),
        soon_until=format_date(payments.soon_until),
    )]
    for template, event in ((PAYMENTS_LOADED, payments.last_loaded), (PAYMENTS_RECORDED, payments.last_recorded)):
        if event is not None:
            lines.append(template.format(at=_london(event.at), what=event.what, by=f" by {event.actor}" if event.actor else ""))
    if payments_sync is not None:
        if payments_sync["last_sync"] is None:
            lines.append(PAYMENTS_NEVER_SYNCED.format(source=payments_sync["source"]))
        else:
            counts = {"instalments": 0, "agreements": 0, "changed": 0, **payments_sync["counts"]}
            lines.append(PAYMENTS_SYNC.format(source=payments_sync["source"], outcome=payments_sync["outcome"],
                                              finished=_london(datetime.fromisoformat(payments_sync["last_sync"])), **counts))
            if payments_sync["outcome"] in ("refused", "failed") and payments_sync["message"]:
                lines += ["  " + SYNC_PROBLEM.format(message=line) for line in payments_sync["message"].splitlines()[:5]]
    if payments.to_write_back and payments_sync is not None:
        lines.append(PAYMENTS_TO_WRITE_BACK.format(count=payments.to_write_back))
    waiting = sum(count for state, count in payments.undelivered.items() if state != "dead")
    if waiting or payments.undelivered.get("dead"):
        dead = payments.undelivered.get("dead", 0)
        lines.append(PAYMENT_ALERTS_WAITING.format(waiting=waiting, dead=f" ({dead} not deliverable)" if dead else ""))
    return lines
