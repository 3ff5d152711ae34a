"""`commissioning-bot import-payments FILE` and `record-payment REF AMOUNT DATE`: money out, from the console.

The file follows the register's rules (all or nothing, every bad cell named); `record-payment` is
the console twin of "record payment for REF £12,500 paid 3 Dec" in Teams, for finance officers
working from a payment run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from
from bot.commands.register_files import NOTHING_CHANGED_FILE, refusal_report

BAD_AMOUNT = "{text!r} is not an amount of money like 12500 or £12,500: nothing was recorded."
BAD_DATE = "{text!r} is not a date like 03/12/2026 or 2026-12-03: nothing was recorded."


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "import-payments":
        parser.add_argument("file", metavar="FILE", help="the payment schedule: .csv (UTF-8) or .xlsx (sheet Payments)")
    else:
        parser.add_argument("reference", metavar="REF", help="the agreement's reference")
        parser.add_argument("amount", metavar="AMOUNT", help="how much was paid, e.g. 12500 or £12,500")
        parser.add_argument("paid", metavar="DATE", help="the day it was paid, e.g. 03/12/2026")
        parser.add_argument("--payment-reference", default="", help="the remittance or BACS reference")
    parser.add_argument("--actor", default="", metavar="EMAIL", help="who is doing this (recorded in the audit log)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    url = database_url(args)
    if args.command == "import-payments":
        from storage.register_sheets import NOT_FOUND

        path = Path(args.file)
        if not path.exists():
            print(NOT_FOUND.format(path=path), file=sys.stderr)
            print(NOTHING_CHANGED_FILE, file=sys.stderr)
            return 1
        return run_async(_import(url, path, args))
    return run_async(_record(url, args))


async def _import(url: str, path: Path, args: argparse.Namespace) -> int:
    from storage.payments import import_payments
    from storage.register_sheets import ImportRefused

    engine = await migrated_engine(url)
    try:
        summary = await import_payments(engine, path, today=today_from(args.today), actor=args.actor)
    except ImportRefused as refused:
        print(refusal_report(refused), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print("\n".join(summary.lines()))
    return 0


async def _record(url: str, args: argparse.Namespace) -> int:
    from domain.values import ValueNotUnderstood, parse_date, parse_money
    from storage.db import session_factory
    from storage.payments import PaymentRefused, record_payment

    try:
        amount = parse_money(args.amount)
    except ValueNotUnderstood:
        amount = None
    try:
        paid = parse_date(args.paid)
    except ValueNotUnderstood:
        paid = None
    if amount is None or amount <= 0:
        raise CommandFailed(BAD_AMOUNT.format(text=args.amount), 1)
    if paid is None:
        raise CommandFailed(BAD_DATE.format(text=args.paid), 1)
    engine = await migrated_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            recorded = await record_payment(session, args.reference, amount, paid, actor=args.actor or "console",
                                            profile=os.environ.get("PAYMENT_PROFILE", ""),
                                            payment_reference=args.payment_reference)
    except PaymentRefused as refused:
        raise CommandFailed(str(refused), 1) from None
    finally:
        await engine.dispose()
    print(recorded.message())
    return 0
