"""`commissioning-bot demo`: write a realistic demo register and load it, so there is something to ask.

The register is written as a CSV first (people can open it in Excel and see exactly what
the bot is answering from), then imported through the ordinary import, so the demo
exercises the same path a real register takes. Running it again re-imports the same rows:
an upsert by reference, which changes nothing.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from

DEFAULT_FILE = "demo-register.csv"
WROTE = "Wrote the demo register ({count} agreements) to {path}: open it to see what the bot answers from."
LOADED = "Loaded it into {database}."
CANNOT_WRITE = "Cannot write the demo register to {path}: {reason}. Choose another file with -o FILE."
TRY_NEXT = """Try next:
  commissioning-bot ask 'which grants expire this quarter?'
  commissioning-bot ask 'what do we fund in Southwark?'
  commissioning-bot ask 'who is the contact for OPCC-2023-014?'
  commissioning-bot ask 'which contracts have extension options left?'
  commissioning-bot ask 'which agreements have data quality problems?'
  commissioning-bot serve --local"""


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    add_today_argument(parser)
    parser.add_argument(
        "-o", "--output", default=DEFAULT_FILE, metavar="FILE",
        help=f"where to write the demo register CSV (default: {DEFAULT_FILE} in the current directory)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="a different seed gives a different register")


def run(args: argparse.Namespace) -> int:
    from domain.demo_register import write_demo_csv

    today = today_from(args.today)
    url = database_url(args)
    path = Path(args.output)
    try:
        rows = write_demo_csv(path, today, args.seed)
    except OSError as error:
        raise CommandFailed(CANNOT_WRITE.format(path=path, reason=error.strerror or error)) from None
    print(WROTE.format(count=len(rows), path=path))
    summary = run_async(_load(url, path, today))
    print(LOADED.format(database=_shown(url)))
    print(summary)
    print(TRY_NEXT)
    return 0


async def _load(url: str, path: Path, today: date) -> str:
    """Import the file through the ordinary import; return the import's own summary."""
    from bot.commands.register_files import refusal_report, summary_text
    from storage.register_import import ImportRefused, import_register

    engine = await migrated_engine(url)
    try:
        summary = await import_register(engine, path, today=today, actor="demo")
    except ImportRefused as refused:
        raise CommandFailed(refusal_report(refused), code=1) from None
    finally:
        await engine.dispose()
    return summary_text(summary)


def _shown(url: str) -> str:
    """The database URL without its password, fit to print."""
    return make_url(url).render_as_string(hide_password=True)
