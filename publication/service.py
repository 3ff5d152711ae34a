"""Publish a quarter: build every file in memory, check them all, then write them all (or none).

The use case behind `commissioning-bot publish` and the Teams command "publish the register".
`prepare` reads the register and builds and checks the files; `write` puts a clean
publication into its folder, replacing only the files it publishes (each written beside its
final name and renamed, so a reader never sees half a file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.agreement import Agreement
from domain.answers import Period
from domain.publication import (
    AcceptedReturn,
    ContactNames,
    Performance,
    find_email,
    monitored,
    of_quarter,
    over_threshold,
    performance,
    quarter_code,
)
from publication import tables
from publication.checks import Problem, check_360giving, check_ocds, check_personal
from publication.ocds import CONTRACTS_FILE, release_package
from publication.page import render_page
from publication.settings import Publisher
from storage.giving360 import GivingReport, export_360giving
from storage.publication import register_and_returns

CONTRACTS_CSV = "contracts.csv"
GRANTS_CSV = "grants.csv"
PARTNERSHIPS_CSV = "partnerships.csv"
TRANSPARENCY_CSV = "transparency-over-10k.csv"
GRANTS_JSON = "grants-360giving.json"
PERFORMANCE_CSV = "performance.csv"
INDEX = "index.html"
FILES: tuple[tuple[str, str], ...] = (
    (CONTRACTS_CSV, "contracts (CSV)"),
    (GRANTS_CSV, "grants (CSV)"),
    (PARTNERSHIPS_CSV, "partnerships with local authorities (CSV)"),
    (TRANSPARENCY_CSV, "every agreement over £10,000, as the Specified Information Order asks (CSV)"),
    (GRANTS_JSON, "grants in the 360Giving Data Standard (JSON)"),
    (CONTRACTS_FILE, "contracts in the Open Contracting Data Standard 1.1 (JSON)"),
    (PERFORMANCE_CSV, "performance of monitored services (CSV)"),
    (INDEX, "this page"),
)


@dataclass
class Publication:
    """The quarter's files, counts and problems; `clean` when nothing blocks writing them."""

    quarter: Period
    code: str
    files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Files with nothing in them this quarter (a standard package must hold at least one item).
    empty: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


def build(
    agreements: list[Agreement], returns: dict[str, AcceptedReturn], quarter: Period, publisher: Publisher, now: datetime
) -> Publication:
    """Every file of the quarter, checked; pure apart from the clock value handed in."""
    code = quarter_code(quarter)
    chosen = of_quarter(agreements, quarter)
    by_kind = {kind: [a for a in chosen if a.kind == kind] for kind in ("contract", "grant", "partnership")}
    over = [a for a in chosen if over_threshold(a)]
    lines: list[Performance] = [performance(a, returns.get(a.reference)) for a in monitored(chosen)]
    stamp = now.isoformat(timespec="seconds")
    pub = Publication(quarter, code)
    pub.counts = {"agreements": len(chosen), "contracts": len(by_kind["contract"]), "grants": len(by_kind["grant"]),
                  "partnerships": len(by_kind["partnership"]), "over_10k": len(over), "monitored": len(lines),
                  "with_accepted_return": sum(1 for line in lines if line.latest is not None)}

    for name, kind in ((CONTRACTS_CSV, "contract"), (GRANTS_CSV, "grant"), (PARTNERSHIPS_CSV, "partnership")):
        pub.files[name] = tables.to_csv(tables.REGISTER_COLUMNS, (tables.register_row(a, quarter) for a in by_kind[kind]))
    pub.files[TRANSPARENCY_CSV] = tables.to_csv(tables.TRANSPARENCY_COLUMNS, (tables.transparency_row(a) for a in over))
    pub.files[PERFORMANCE_CSV] = tables.to_csv(tables.PERFORMANCE_COLUMNS, (tables.performance_row(line) for line in lines))

    report = GivingReport()
    giving = export_360giving(
        by_kind["grant"], funder_name=publisher.funder_name, funder_id=publisher.funder_id,
        prefix=publisher.grant_id_prefix, report=report, data_source=publisher.url_of(GRANTS_JSON), modified=stamp,
    )
    left_out = {ref for refs in report.left_out.values() for ref in refs}
    grant_refs = [a.reference for a in by_kind["grant"] if a.reference not in left_out]
    for reason, references in report.left_out.items():
        for reference in references:
            pub.problems.append(Problem(reference, GRANTS_JSON, f"a published grant needs a value and an award or start date "
                                        f"({reason}): add it to the register and publish again."))
    if report.without_org_identifier:
        pub.notes.append(report.lines()[1])
    if giving["grants"]:
        package: dict[str, Any] = {"version": "1.4", **giving}
        pub.problems += check_360giving(package, grant_refs, GRANTS_JSON)
        pub.files[GRANTS_JSON] = _json(package)
    else:
        pub.empty.append(GRANTS_JSON)

    if by_kind["contract"]:
        ocds = release_package(by_kind["contract"], publisher, quarter, stamp)
        pub.problems += check_ocds(ocds, [a.reference for a in by_kind["contract"]], CONTRACTS_FILE)
        pub.files[CONTRACTS_FILE] = _json(ocds)
    else:
        pub.empty.append(CONTRACTS_FILE)

    listed = [(name, what) for name, what in FILES if name not in pub.empty and name != INDEX]
    pub.files[INDEX] = render_page(
        chosen, lines, funder=publisher.funder_name, quarter=quarter, quarter_label=f"{quarter.label} ({code})",
        published_on=now.date(), files=listed,
    )
    pub.problems += _personal_problems(chosen, agreements, pub.files)
    return pub


def _json(document: dict[str, Any]) -> str:
    """Compact JSON, one line per package: the C encoder writes 10,000 items in a fraction of a second."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def _personal_problems(chosen: list[Agreement], everyone: list[Agreement], files: dict[str, str]) -> list[Problem]:
    """Every published line screened for emails, phone numbers and the register's contact names."""
    names = ContactNames(a.contact_name for a in everyone)
    # The published text of each agreement, checked once per agreement rather than per file.
    lines = [(a.reference, " | ".join((a.reference, a.title, a.provider, a.provider_id, a.funding_stream, a.area, a.category)))
             for a in chosen]
    found = check_personal("all files", lines, names)
    if found:
        return found
    # A safety net over every whole file, for an email address that did not come from an agreement's
    # columns (phone-like digit runs occur in ids and amounts, so phones are screened per agreement above).
    for name, text in files.items():
        email = find_email(text)
        if email:
            found.append(Problem("", name, f"contains an email address ({email}): check the publisher "
                                 "settings and publish again."))
    return found


async def prepare(engine: AsyncEngine, quarter: Period, publisher: Publisher, now: datetime) -> Publication:
    """Read the register as at the quarter's end and build the checked publication."""
    agreements, returns = await register_and_returns(engine, quarter.end)
    return build(agreements, returns, quarter, publisher, now)


def write(publication: Publication, folder: Path) -> list[Path]:
    """Write a clean publication into `folder` (created if missing); other files there are left alone.

    A file with nothing this quarter is removed, so last quarter's version is never taken for this one's.
    """
    if not publication.clean:
        raise ValueError("a publication with problems is never written")
    folder.mkdir(parents=True, exist_ok=True)
    temporary: list[tuple[Path, Path]] = []
    try:
        for name, text in publication.files.items():
            final = folder / name
            part = folder / f".{name}.part"
            encoding = "utf-8-sig" if name.endswith(".csv") else "utf-8"
            with part.open("w", encoding=encoding, newline="") as handle:
                handle.write(text)
            temporary.append((part, final))
    except OSError:
        for part, _ in temporary:
            part.unlink(missing_ok=True)
        raise
    for part, final in temporary:
        os.replace(part, final)
    for name in publication.empty:
        (folder / name).unlink(missing_ok=True)
    return [final for _, final in temporary]


def default_quarter_label(today: date) -> str:
    from domain.publication import last_completed_quarter

    return quarter_code(last_completed_quarter(today))


@dataclass(frozen=True)
class Outcome:
    """What a request to publish came to: refused for a setting, blocked by problems, or written."""

    folder: Path
    refusal: str = ""
    publication: Publication | None = None
    written: bool = False


async def publish_last_quarter(engine: AsyncEngine, folder: Path, now: datetime, environ: Mapping[str, str] | None = None) -> Outcome:
    """The Teams command: the last completed quarter, into PUBLISH_DIR, when settings and checks allow."""
    from domain.publication import last_completed_quarter
    from publication.settings import PublisherSettingsMissing

    try:
        publisher = Publisher.from_environ(environ)
    except PublisherSettingsMissing as missing:
        return Outcome(folder, refusal=str(missing))
    publication = await prepare(engine, last_completed_quarter(now.date()), publisher, now)
    if not publication.clean:
        return Outcome(folder, publication=publication)
    try:
        write(publication, folder)
    except OSError as error:
        return Outcome(folder, refusal=CANNOT_WRITE.format(folder=folder, reason=error.strerror or error), publication=publication)
    return Outcome(folder, publication=publication, written=True)


CANNOT_WRITE = "Cannot write to {folder}: {reason}. Ask the administrator to check PUBLISH_DIR. Nothing was published."
