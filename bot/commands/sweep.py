"""`commissioning-bot sweep`: run the alert rules once, without Teams.

Writes the alerts owed today to the outbox (and records the sweep) unless `--dry-run`;
`--json` prints one JSON object per alert (`rule`, `reference`, `due`, `audience`, …). On a
weekend or bank holiday nothing is swept unless `--force`. `--deliver` then sends what is in
the outbox through the Bot Connector, using the stored conversation references and the bot
credentials in the environment (none: anonymous, for a local connector).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from

SWEPT = "Swept for {day} ({since}): {count} new alerts{written}."
SINCE_LAST = "catching up since {last}"
FIRST_SWEEP = "first sweep"
DRY_RUN_NOTE = ", dry run: nothing written"
DELIVERED = "Delivered {delivered} alerts in {messages} messages; {retry} to retry later, {waiting} waiting for a chat, {dead} not deliverable."


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    add_today_argument(parser)
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent; write nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON object per alert")
    parser.add_argument("--force", action="store_true", help="sweep even on a weekend or bank holiday")
    parser.add_argument("--deliver", action="store_true", help="then send the outbox through the Bot Connector")
    parser.add_argument("--deliver-only", action="store_true", help="send the outbox; do not sweep")
    parser.add_argument("--no-batching", action="store_true", help="with --deliver: one message per alert")
    parser.add_argument("--batch-size", type=int, default=200, metavar="N",
                        help="with --deliver: claim at most N alerts at a time (default 200)")
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                        help="with --deliver: keep going until nothing is waiting, for up to SECONDS")


def run(args: argparse.Namespace) -> int:
    if args.dry_run and (args.deliver or args.deliver_only):
        raise CommandFailed("--dry-run writes nothing, so there is nothing to deliver: leave out --deliver.")
    return run_async(_sweep(args, today_from(args.today), database_url(args)))


def alert_json(alert: Any) -> dict[str, Any]:
    """The machine form of one alert: `rule`, `reference` (null for digests), `due` (ISO), `audience`…"""
    return {
        "rule": alert.rule,
        "reference": alert.reference or None,
        "due": alert.due.isoformat(),
        "audience": alert.audience,
        "threshold": alert.threshold,
        "recipient": alert.recipient,
        "message": alert.message,
        "idempotency_key": alert.idempotency_key,
    }


async def _sweep(args: argparse.Namespace, today: date, url: str) -> int:
    from notifications.calendar import BankHolidays
    from notifications.config import AlertSettings, AlertSettingsRefused
    from notifications.sweep import run_sweep
    from storage.db import session_factory

    try:
        settings = AlertSettings.from_environ()
    except AlertSettingsRefused as refused:
        raise CommandFailed(str(refused)) from None
    engine = await migrated_engine(url)
    try:
        sessions = session_factory(engine)
        if not args.deliver_only:
            result = await run_sweep(sessions, today, bank_holidays=BankHolidays(), thresholds=settings.thresholds,
                                     dry_run=args.dry_run, force=args.force)
            _print_sweep(result, args)
        if args.deliver or args.deliver_only:
            await _deliver(sessions, url, settings, batching=settings.batching and not args.no_batching, wait=args.wait,
                           batch_size=max(1, args.batch_size))
    finally:
        await engine.dispose()
    return 0


def _print_sweep(result: Any, args: argparse.Namespace) -> None:
    if not result.swept:
        print(result.skipped_reason, file=sys.stderr)
        return
    if args.json:
        for alert in result.alerts:
            print(json.dumps(alert_json(alert), ensure_ascii=False))
        return
    since = SINCE_LAST.format(last=result.last_sweep.isoformat()) if result.last_sweep else FIRST_SWEEP
    written = DRY_RUN_NOTE if args.dry_run else f", {result.written} written to the outbox"
    print(SWEPT.format(day=result.today.isoformat(), since=since, count=len(result.alerts), written=written))
    for alert in result.alerts:
        who = alert.audience if alert.audience == "channel" else f"{alert.audience} {alert.recipient}"
        print(f"  {alert.rule:<19} {alert.reference or '-':<16} due {alert.due.isoformat()}  → {who}")


async def _deliver(sessions: Any, url: str, alert_settings: Any, *, batching: bool, wait: float, batch_size: int) -> None:
    import asyncio
    import time
    from datetime import timedelta

    from bot.cards.alerts import render
    from bot.settings import Settings, SettingsRefused
    from bot.teams.proactive import send_for
    from notifications.sender import DeliveryReport, OutboxSender, SenderOptions
    from storage.outbox import backlog

    try:
        settings = Settings.from_environ().with_database(url)
    except SettingsRefused as refused:
        raise CommandFailed(f"Cannot deliver: {refused}") from None
    options = SenderOptions(batching=batching, batch_size=batch_size, lease=timedelta(seconds=alert_settings.claim_lease))
    sender = OutboxSender(sessions, send_for(settings), render, options=options)
    report = DeliveryReport()
    deadline = time.monotonic() + wait
    while True:
        report.add(await sender.drain())
        async with sessions() as session:
            left = (await backlog(session)).counts
        if left["pending"] + left["claimed"] == 0 or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    print(DELIVERED.format(delivered=report.delivered, messages=report.messages, retry=report.retry_later,
                           waiting=report.waiting_for_recipient, dead=report.dead), file=sys.stderr)
