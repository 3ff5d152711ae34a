"""`commissioning-bot demo`: write a realistic demo register and load it, so there is something to ask.

The register is written as a CSV first (people can open it in Excel and see exactly what
the bot is answering from), then imported through the ordinary import, so the demo
exercises the same path a real register takes. Running it again re-imports the same rows:
an upsert by reference, which changes nothing.

So that monitoring has something to show, the register counts as first loaded two financial
quarters ago (`demo.returns.first_loaded`): returns have been owed since then, and
the demo writes a realistic mix of them through the returns repository (accepted, awaiting
assessment, queried, drafts; the rest due or overdue). Data-quality checks and the returns
summary use the real today. Agreements that already have returns are never touched again.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from

if TYPE_CHECKING:  # only for annotations: commands import their heavy modules inside run()
    from demo.seed import SeedReport
    from domain.agreement import Agreement
    from storage.register_import import ImportSummary

DEFAULT_FILE = "demo-register.csv"
WROTE = "Wrote the demo register ({count} agreements) to {path}: open it to see what the bot answers from."
LOADED = "Loaded it into {database}."
RETURNS = (
    "Monitoring returns owed since {since}: {accepted} accepted, {submitted} awaiting assessment, "
    "{queried} queried, {in_progress} in progress, {overdue} overdue, {due} due ({written} written now). "
    "Try: commissioning-bot ask 'which returns are overdue?'"
)
CANNOT_WRITE = "Cannot write the demo register to {path}: {reason}. Choose another file with -o FILE."
RETURNS_FAILED = (
    "The demo register is loaded, but writing its monitoring returns stopped ({reason}). "
    "Run demo again: agreements whose returns are already written are left as they are."
)
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
    from demo.register import write_demo_csv

    today = today_from(args.today)
    url = database_url(args)
    path = Path(args.output)
    try:
        rows = write_demo_csv(path, today, args.seed)
    except OSError as error:
        raise CommandFailed(CANNOT_WRITE.format(path=path, reason=error.strerror or error)) from None
    print(WROTE.format(count=len(rows), path=path))
    references = {row["reference"] for row in rows}
    summary, returns = run_async(_load(url, path, today, args.seed, references))
    print(LOADED.format(database=_shown(url)))
    print(summary)
    print(returns)
    print(TRY_NEXT)
    return 0


async def _load(url: str, path: Path, today: date, seed: int, references: set[str]) -> tuple[str, str]:
    """Import the file as first loaded two quarters ago, then write its returns; both summaries.

    Only the demo's own agreements get returns, so a demo run into a database that also holds
    a real register never invents returns for real agreements.
    """
    from bot.commands.register_files import refusal_report, summary_text
    from demo.payments import plan_payments
    from demo.returns import first_loaded, plan_returns
    from demo.seed import seed_returns
    from storage.agreements import load_register
    from storage.db import session_factory
    from storage.payments import write_payments
    from storage.register_import import ImportRefused, import_register
    from storage.returns import NotAwaitingAssessment, ReturnIncomplete, ReturnNotOpen, UnknownReturn

    engine = await migrated_engine(url)
    try:
        summary = await import_register(engine, path, today=first_loaded(today), actor="demo")
        async with session_factory(engine)() as session:
            demo = [a for a in await load_register(session) if a.reference in references]
        report = await seed_returns(engine, plan_returns(demo, today, seed), today, references)
        async with session_factory(engine).begin() as session:  # payment schedules, through the import's write path
            await write_payments(session, plan_payments(demo, today, seed), source="demo payments", actor="demo")
    except ImportRefused as refused:
        raise CommandFailed(refusal_report(refused), code=1) from None
    except (NotAwaitingAssessment, ReturnIncomplete, ReturnNotOpen, UnknownReturn) as stopped:
        raise CommandFailed(RETURNS_FAILED.format(reason=f"{type(stopped).__name__}: {stopped}"), code=1) from None
    finally:
        await engine.dispose()
    return summary_text(_problems_as_of(summary, demo, today)), _returns_text(report, demo, today)


def _problems_as_of(summary: ImportSummary, agreements: list[Agreement], today: date) -> ImportSummary:
    """The import summary with its data-quality problems judged at the real today.

    The import ran with the day the demo counts as first loaded, so its "past their end date"
    count would be two quarters out of date.
    """
    from dataclasses import replace

    from domain.data_quality import MISSING_FROM_LAST_IMPORT, problems

    found: dict[str, list[str]] = {}
    for agreement in agreements:
        for problem in problems(agreement, today):
            if problem.code != MISSING_FROM_LAST_IMPORT:
                found.setdefault(problem.code, []).append(agreement.reference)
    missing = summary.problems.get(MISSING_FROM_LAST_IMPORT, ())
    if missing:
        found[MISSING_FROM_LAST_IMPORT] = list(missing)
    return replace(summary, problems={code: tuple(refs) for code, refs in found.items()})


def _returns_text(report: SeedReport, agreements: list[Agreement], today: date) -> str:
    """One line: where the demo's monitoring returns stand, and what to ask about them."""
    from domain.monitoring import ACCEPTED, DUE, IN_PROGRESS, OVERDUE, QUERIED, SUBMITTED
    from domain.values import format_date

    since = min((a.first_imported for a in agreements if a.first_imported), default=today)
    return RETURNS.format(
        since=format_date(since), accepted=report.count(ACCEPTED), submitted=report.count(SUBMITTED),
        queried=report.count(QUERIED), in_progress=report.count(IN_PROGRESS), overdue=report.count(OVERDUE),
        due=report.count(DUE), written=report.written,
    )


def _shown(url: str) -> str:
    """The database URL without its password, fit to print."""
    return make_url(url).render_as_string(hide_password=True)
