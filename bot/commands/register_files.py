"""`commissioning-bot import FILE` and `commissioning-bot export`: the register in and out as files.

Import is all or nothing: a file with unreadable cells changes nothing and gets a report
naming every bad cell, one per line on standard error, and exit code 1. Export writes the
register in the import columns (CSV on standard output by default, XLSX with `-o x.xlsx`) or
the grants in the 360Giving Data Standard (`--format 360giving`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.commands.common import (
    CommandFailed,
    add_today_argument,
    database_url,
    migrated_engine,
    run_async,
    today_from,
)

IMPORT_REFUSED_HEADLINE = "Import refused: {count} cells cannot be read."
IMPORT_REFUSED_ONE = "Import refused: 1 cell cannot be read."
NOTHING_CHANGED = "Nothing was changed. Fix the cells above in the file and import it again."
NOTHING_CHANGED_FILE = "Nothing was changed."
IMPORTED = (
    "Imported {filename}: {rows} rows: {created} created, {updated} updated, {unchanged} unchanged; "
    "{flagged} in the register but not in this file (flagged, not deleted)."
)
PROBLEMS_HEADLINE = "Data-quality problems to fix in the register:"
NO_PROBLEMS = "No data-quality problems found."
XLSX_NEEDS_FILE = "An XLSX export needs a file name: use -o register.xlsx."
CANNOT_WRITE = "Cannot write {path}: {reason}. Check the folder exists and you can write to it."
WROTE = "Wrote {count} agreements to {path}."
FORMATS = ("csv", "xlsx", "360giving")


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "import":
        parser.add_argument("file", metavar="FILE", help="the register: .csv (UTF-8) or .xlsx")
        parser.add_argument("--actor", default="", metavar="EMAIL", help="who is importing (recorded in the audit log)")
        add_today_argument(parser)
    else:
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: CSV on standard output)")
        parser.add_argument(
            "--format", choices=FORMATS, default=None,
            help="csv, xlsx or 360giving (default: from the -o file's extension, else csv)",
        )


def run(args: argparse.Namespace) -> int:
    if args.command == "import":
        return _run_import(args)
    return _run_export(args)


# ---- import ----


def _run_import(args: argparse.Namespace) -> int:
    from storage.register_sheets import NOT_FOUND

    today = today_from(args.today)
    url = database_url(args)
    path = Path(args.file)
    if not path.exists():
        print(NOT_FOUND.format(path=path), file=sys.stderr)
        print(NOTHING_CHANGED_FILE, file=sys.stderr)
        return 1
    return run_async(_import(url, path, today, args.actor))


async def _import(url: str, path: Path, today, actor: str) -> int:  # type: ignore[no-untyped-def]
    from storage.register_import import ImportRefused, import_register

    engine = await migrated_engine(url)
    try:
        summary = await import_register(engine, path, today=today, actor=actor)
    except ImportRefused as refused:
        print(refusal_report(refused), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    print(summary_text(summary))
    for line in summary.payments:
        print(line)
    return 0


def refusal_report(refused) -> str:  # type: ignore[no-untyped-def]
    """Every bad cell, one per line, with a headline and what to do next."""
    if refused.reason:
        return f"{refused.reason}\n{NOTHING_CHANGED_FILE}"
    count = len(refused.bad_cells)
    headline = IMPORT_REFUSED_ONE if count == 1 else IMPORT_REFUSED_HEADLINE.format(count=count)
    return "\n".join([headline, refused.report(), NOTHING_CHANGED])


def summary_text(summary) -> str:  # type: ignore[no-untyped-def]
    """The import summary as a person reads it: counts, then each data-quality problem's count."""
    from domain.data_quality import CODES, LABELS

    lines = [
        IMPORTED.format(
            filename=summary.filename, rows=summary.rows, created=summary.created, updated=summary.updated,
            unchanged=summary.unchanged, flagged=summary.flagged_missing,
        )
    ]
    counts = summary.problem_counts
    if not counts:
        lines.append(NO_PROBLEMS)
        return "\n".join(lines)
    lines.append(PROBLEMS_HEADLINE)
    for code in CODES:
        if counts.get(code):
            lines.append(f"  {counts[code]:>5}  {LABELS[code]} ({code})")
    return "\n".join(lines)


# ---- export ----


def _run_export(args: argparse.Namespace) -> int:
    url = database_url(args)
    output = Path(args.output) if args.output else None
    export_format = args.format or _format_from_suffix(output)
    if export_format == "xlsx" and output is None:
        raise CommandFailed(XLSX_NEEDS_FILE)
    return run_async(_export(url, output, export_format))


def _format_from_suffix(output: Path | None) -> str:
    if output is None:
        return "csv"
    suffix = output.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        return "360giving"
    return "csv"


async def _export(url: str, output: Path | None, export_format: str) -> int:
    from storage.agreements import load_register
    from storage.db import session_factory

    engine = await migrated_engine(url)
    try:
        async with session_factory(engine)() as session:
            agreements = await load_register(session)
    finally:
        await engine.dispose()
    try:
        count = _write(agreements, output, export_format)
    except OSError as error:
        print(CANNOT_WRITE.format(path=output, reason=error.strerror or error), file=sys.stderr)
        return 1
    if output is not None:
        print(WROTE.format(count=count, path=output), file=sys.stderr)
    return 0


def _write(agreements, output: Path | None, export_format: str) -> int:  # type: ignore[no-untyped-def]
    from storage.register_export import export_csv, export_xlsx

    if export_format == "xlsx":
        assert output is not None
        return export_xlsx(agreements, output)
    if export_format == "360giving":
        return _write_360giving(agreements, output)
    if output is None:
        return export_csv(agreements, sys.stdout)
    # A byte-order mark so Excel shows £ and accents correctly; import accepts it.
    with output.open("w", encoding="utf-8-sig", newline="") as handle:
        return export_csv(agreements, handle)


def _write_360giving(agreements, output: Path | None) -> int:  # type: ignore[no-untyped-def]
    from storage.giving360 import PLACEHOLDER_WARNING, Funder, GivingReport, export_360giving

    funder = Funder.from_environment(os.environ)
    missing = Funder.missing_settings(os.environ)
    if missing:
        print(PLACEHOLDER_WARNING.format(names=", ".join(missing)), file=sys.stderr)
    report = GivingReport()
    package = export_360giving(
        agreements, funder_name=funder.name, funder_id=funder.identifier, prefix=funder.prefix, report=report
    )
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    for line in report.lines():
        print(line, file=sys.stderr)
    return report.published
