"""`commissioning-bot status`: when the last sweep ran, when the next one is, and what is waiting.

For staff and operators: the last sweep (day, time, alerts written), the next scheduled one,
the outbox by state, and each alert not yet delivered with why (waiting for a retry, no alert
channel yet, blocked). `--json` prints the same as one JSON object.
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
        }, ensure_ascii=False))
        return 0
    for line in _lines(last, upcoming, settings, backlog, waiting):
        print(line)
    return 0


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
