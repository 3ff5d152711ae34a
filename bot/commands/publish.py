"""`commissioning-bot publish --quarter 2026Q3 -o DIR`: the quarter's open data and public page.

Refuses, writing nothing, when a publisher setting is missing or any output fails its checks;
then every problem is listed with the agreement it comes from, one per line on standard error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from

QUARTER_HELP = "a financial quarter such as 2026Q3 (Q3 of 2026/27: 1 Oct – 31 Dec 2026); default the last completed one"
BAD_QUARTER = "--quarter must be a financial quarter like 2026Q3 (Q3 of 2026/27), not {text!r}."
REFUSED = "Publication refused: {count} to fix. Nothing was written to {folder}."
REFUSED_ONE = "Publication refused: 1 problem to fix. Nothing was written to {folder}."
PUBLISHED = ("Published {quarter} ({label}) to {folder}: {agreements} agreements ({contracts} contracts, {grants} grants, "
             "{partnerships} partnerships), {over} over £10,000, {monitored} monitored ({returns} with an accepted return).")
CANNOT_WRITE = "Cannot write to {folder}: {reason}. Check the folder and that you may write there. Nothing was published."
EMPTY_FILE = "{name} was not written: the quarter has no {what}."


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quarter", metavar="YYYYQn", help=QUARTER_HELP)
    parser.add_argument("-o", "--output", metavar="DIR", default=None, help="folder for the files (default $PUBLISH_DIR or ./published)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    from domain.publication import QuarterNotUnderstood, last_completed_quarter, parse_quarter
    from publication.settings import Publisher, PublisherSettingsMissing, publish_dir

    today = today_from(args.today)
    try:
        quarter = parse_quarter(args.quarter) if args.quarter else last_completed_quarter(today)
    except QuarterNotUnderstood:
        raise CommandFailed(BAD_QUARTER.format(text=args.quarter)) from None
    try:
        publisher = Publisher.from_environ()
    except PublisherSettingsMissing as missing:
        raise CommandFailed(str(missing), code=1) from None
    folder = Path(args.output) if args.output else publish_dir()
    return run_async(_publish(database_url(args), quarter, publisher, folder, today))


async def _publish(url, quarter, publisher, folder: Path, today) -> int:  # type: ignore[no-untyped-def]
    from bot.commands.common import LONDON
    from publication.service import prepare, write

    now = datetime.now(LONDON)
    if now.date() != today:
        now = datetime.combine(today, now.time(), tzinfo=LONDON)
    engine = await migrated_engine(url)
    try:
        publication = await prepare(engine, quarter, publisher, now)
    finally:
        await engine.dispose()
    if not publication.clean:
        count = len(publication.problems)
        headline = REFUSED_ONE if count == 1 else REFUSED.format(count=f"{count} problems", folder=folder)
        print(headline.format(folder=folder), file=sys.stderr)
        for problem in publication.problems:
            print(f"  {problem.line()}", file=sys.stderr)
        return 1
    try:
        write(publication, folder)
    except OSError as error:
        print(CANNOT_WRITE.format(folder=folder, reason=error.strerror or error), file=sys.stderr)
        return 1
    print(summary(publication, folder))
    for note in publication.notes:
        print(note, file=sys.stderr)
    return 0


def summary(publication, folder: Path) -> str:  # type: ignore[no-untyped-def]
    c = publication.counts
    lines = [PUBLISHED.format(
        quarter=publication.code, label=publication.quarter.label, folder=folder, agreements=c["agreements"],
        contracts=c["contracts"], grants=c["grants"], partnerships=c["partnerships"], over=c["over_10k"],
        monitored=c["monitored"], returns=c["with_accepted_return"],
    )]
    what = {"grants-360giving.json": "grants", "contracts-ocds.json": "contracts"}
    lines += [EMPTY_FILE.format(name=name, what=what.get(name, "agreements")) for name in publication.empty]
    return "\n".join(lines)
