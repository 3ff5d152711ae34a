"""Register export: CSV and XLSX in the import columns (export → import changes nothing), 360Giving grants."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from register_files_data import ACTOR, HEADER, ROWS, TODAY, write_csv

from domain.register_columns import COLUMNS
from storage.agreements import load_register
from storage.db import session_factory
from storage.giving360 import REQUIRED_FIELDS, Funder, GivingReport, export_360giving, lacking_org_identifier
from storage.register_export import export_csv, export_xlsx
from storage.register_import import import_register

AWKWARD = [
    "OPCC-2025-007", "grant", "=Knife crime outreach", "Café Trust, Brixton", "", "London Crime Prevention Fund",
    "PC-7", "99.50", "2025-04-01", "", "2026-03-31", "", "", "Lambeth", "youth", "", "Zoë O'Neill",
    "zoe@cafetrust.org.uk", "biannual", "sessions=12.5", "none", "draft", 'Line one\nLine two, "quoted"', "",
]


async def agreements_in(engine):
    async with session_factory(engine)() as session:
        return await load_register(session)


async def audit_count(engine) -> int:
    from sqlalchemy import func, select

    from storage.models import AuditEntry

    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditEntry)))


async def csv_export(engine) -> str:
    stream = io.StringIO()
    export_csv(await agreements_in(engine), stream)
    return stream.getvalue()


async def seeded(engine, tmp_path: Path) -> None:
    await import_register(engine, write_csv(tmp_path, [HEADER, *ROWS, AWKWARD], name="seed.csv"), today=TODAY, actor=ACTOR)


async def test_csv_export_uses_the_import_columns_and_plain_values(engine, tmp_path):
    """Only the register-format columns; ISO dates, plain money, 1+1, KPIs as a=1; b=2; unknown columns in notes."""
    await seeded(engine, tmp_path)
    rows = list(csv.DictReader(io.StringIO(await csv_export(engine))))
    assert list(rows[0]) == list(COLUMNS)
    isva = next(row for row in rows if row["reference"] == "OPCC-2023-014")
    assert (isva["value"], isva["start_date"], isva["extended_to"]) == ("125000", "2024-04-01", "2027-03-31")
    assert (isva["extension_options"], isva["kpis"]) == ("1+1", "referrals=120; sessions=300")
    assert isva["notes"] == "Renewed after review\nLegacy ID: L-77"
    awkward = next(row for row in rows if row["reference"] == "OPCC-2025-007")
    assert awkward["value"] == "99.50"
    assert awkward["title"] == "'=Knife crime outreach"  # shown as text in Excel, never run
    assert awkward["notes"] == 'Line one\nLine two, "quoted"'


async def test_csv_round_trip_changes_nothing_and_exports_identically(engine, tmp_path):
    """export → import: 0 created, 0 updated, no audit entries; → export: byte-identical CSV."""
    await seeded(engine, tmp_path)
    first = await csv_export(engine)
    entries = await audit_count(engine)
    path = tmp_path / "export.csv"
    path.write_text(first, encoding="utf-8", newline="")
    summary = await import_register(engine, path, today=TODAY, actor=ACTOR)
    assert (summary.created, summary.updated, summary.unchanged, summary.flagged_missing) == (0, 0, 4, 0)
    assert await audit_count(engine) == entries
    assert await csv_export(engine) == first
    assert "=Knife crime outreach" in {a.title for a in await agreements_in(engine)}


async def test_xlsx_round_trip_changes_nothing(engine, tmp_path):
    """export to XLSX → import: nothing changes, and the CSV export is identical before and after."""
    await seeded(engine, tmp_path)
    before = await csv_export(engine)
    entries = await audit_count(engine)
    path = tmp_path / "register.xlsx"
    assert export_xlsx(await agreements_in(engine), path) == 4
    summary = await import_register(engine, path, today=TODAY)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 4)
    assert await audit_count(engine) == entries
    assert await csv_export(engine) == before


async def test_an_export_with_the_unknown_column_added_back_imports_without_change(engine, tmp_path):
    """The exported notes already say `Legacy ID: L-77`; a file with that column again adds nothing."""
    await seeded(engine, tmp_path)
    first = await csv_export(engine)
    entries = await audit_count(engine)
    rows = list(csv.reader(io.StringIO(first)))
    legacy = {row[0]: row[-1] for row in [HEADER, *ROWS]}
    widened = [[*row, legacy.get(row[0], "")] for row in rows]
    widened[0][-1] = "Legacy ID"
    summary = await import_register(engine, write_csv(tmp_path, widened, name="widened.csv"), today=TODAY)
    assert (summary.updated, summary.unchanged) == (0, 4)
    assert await audit_count(engine) == entries
    assert await csv_export(engine) == first


async def test_xlsx_has_the_register_sheet_then_one_per_kind(engine, tmp_path):
    """The workbook opens on `Register` (every row); Contracts, Grants and Partnerships follow."""
    from openpyxl import load_workbook

    await seeded(engine, tmp_path)
    path = tmp_path / "register.xlsx"
    export_xlsx(await agreements_in(engine), path)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Register", "Contracts", "Grants", "Partnerships"]
    references = {
        name: [row[0] for row in workbook[name].iter_rows(min_row=2, values_only=True)] for name in workbook.sheetnames
    }
    assert sorted(references["Register"]) == sorted(["OPCC-2023-014", "OPCC-2024-002", "OPCC-2022-100", "OPCC-2025-007"])
    assert references["Grants"] == ["OPCC-2023-014", "OPCC-2025-007"]
    assert references["Contracts"] == ["OPCC-2024-002"]
    assert references["Partnerships"] == ["OPCC-2022-100"]
    title = next(row for row in workbook["Grants"].iter_rows(min_row=2, values_only=True) if row[0] == "OPCC-2025-007")[2]
    assert title == "=Knife crime outreach"  # a text cell, not a formula


async def test_360giving_grants_have_every_required_field(engine, tmp_path):
    """Each published grant has id, title, description, GBP amount, award date, recipient and funder."""
    await seeded(engine, tmp_path)
    report = GivingReport()
    funder = Funder(name="Mayor's Office for Policing and Crime", identifier="GB-GOR-PC390", prefix="360G-mopac-")
    package = export_360giving(
        await agreements_in(engine), funder_name=funder.name, funder_id=funder.identifier, prefix=funder.prefix,
        report=report,
    )
    grants = package["grants"]
    assert [grant["id"] for grant in grants] == ["360G-mopac-OPCC-2023-014"]  # the draft grant is left out
    grant = grants[0]
    assert set(REQUIRED_FIELDS) <= set(grant)
    assert grant["currency"] == "GBP"
    assert grant["amountAwarded"] == 125000
    assert grant["awardDate"] == "2024-03-15"
    # The charity number is spelled out from a GB-CHC- org-id (issue 15).
    assert grant["recipientOrganization"] == [{"id": "GB-CHC-1129872", "name": "Safer London", "charityNumber": "1129872"}]
    assert grant["fundingOrganization"] == [{"id": "GB-GOR-PC390", "name": "Mayor's Office for Policing and Crime"}]
    assert grant["plannedDates"] == [{"startDate": "2024-04-01", "endDate": "2027-03-31", "duration": 36}]
    assert report.left_out == {"draft, not awarded yet": ["OPCC-2025-007"]}
    assert report.without_org_identifier == []


def test_grants_without_an_org_identifier_get_one_under_our_prefix_and_are_counted():
    """No provider_id: the recipient id is made from the reference under the 360G- prefix, and counted."""
    from datetime import date
    from decimal import Decimal

    from domain.agreement import Agreement

    grant = Agreement(reference="LCPF 2024/01", kind="grant", title="Borough grant", provider="Southwark Council",
                      value=Decimal("50000"), start_date=date(2024, 4, 1))
    report = GivingReport()
    package = export_360giving([grant], prefix="360G-opcc-", report=report)
    assert package["grants"][0]["id"] == "360G-opcc-LCPF-2024-01"
    assert package["grants"][0]["recipientOrganization"][0]["id"] == "360G-opcc-org-LCPF-2024-01"
    assert package["grants"][0]["awardDate"] == "2024-04-01"
    assert lacking_org_identifier([grant]) == 1
    assert any("1 grant has no real organisation identifier" in line for line in report.lines())


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Funder()),
        ({"FUNDER_NAME": "OPCC Leicestershire", "FUNDER_ID": "GB-GOR-PC123", "GRANT_ID_PREFIX": "360G-opccllr-"},
         Funder("OPCC Leicestershire", "GB-GOR-PC123", "360G-opccllr-")),
    ],
)
def test_the_funder_comes_from_settings(environ, expected):
    """FUNDER_NAME, FUNDER_ID and GRANT_ID_PREFIX set the publisher; each has a default."""
    assert Funder.from_environment(environ) == expected
