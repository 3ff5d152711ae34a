"""The demo register: a realistic, valid, deterministic register with something for every question."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

import pytest

from demo.register import COLUMNS, demo_rows, register_rows, write_demo_csv
from domain.agreement import Agreement
from domain.register_rows import parse_rows

# Awkward days: mid-quarter, the last day of the financial year, the first day of one,
# a leap day, the last day of a calendar year.
TODAYS = [date(2026, 11, 22), date(2027, 3, 31), date(2026, 4, 1), date(2028, 2, 29), date(2026, 12, 31)]


def parsed(rows: list[dict[str, str]]) -> list[Agreement]:
    """The rows read exactly as an import reads them; any unreadable cell fails the test."""
    result = parse_rows(list(COLUMNS), ((n, [row[c] for c in COLUMNS]) for n, row in enumerate(rows, start=2)))
    assert result.bad_cells == ()
    return list(result.agreements)


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    after = date(first.year + (first.month > 9), (first.month + 2) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def live(agreements: list[Agreement], kind: str | None = None) -> list[Agreement]:
    return [a for a in agreements if a.is_live and (kind is None or a.kind == kind)]


def ending_between(agreements: list[Agreement], first: date, last: date) -> list[Agreement]:
    return [a for a in agreements if a.current_end_date and first <= a.current_end_date <= last]


# The columns of docs/register-format.md, spelled out here so a change to either is noticed.
FORMAT_COLUMNS = (
    "reference", "kind", "title", "provider", "provider_id", "funding_stream", "project_code",
    "value", "start_date", "award_date", "end_date", "extension_options", "extended_to", "area",
    "category", "contract_manager", "contact_name", "contact_email", "monitoring", "kpis",
    "signed", "status", "notes",
)


def test_the_header_is_exactly_the_register_format_columns() -> None:
    """The demo spreadsheet uses the column names of docs/register-format.md, in its order."""
    assert COLUMNS == FORMAT_COLUMNS
    assert all(list(row) == list(COLUMNS) for row in demo_rows(date(2026, 11, 22)))


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_every_demo_row_imports_without_a_bad_cell(today: date) -> None:
    """All 60+ rows parse as the import parses them, whatever day it is."""
    agreements = parsed(demo_rows(today))
    assert len(agreements) >= 60
    assert len({a.reference for a in agreements}) == len(agreements)


def test_the_same_day_and_seed_give_the_same_register() -> None:
    """The register is deterministic, and a different seed gives a different one."""
    today = date(2026, 11, 22)
    assert demo_rows(today) == demo_rows(today)
    assert demo_rows(today, seed=7) == demo_rows(today, seed=7)
    assert demo_rows(today, seed=7) != demo_rows(today)


def test_it_has_contracts_grants_and_partnerships_across_streams_areas_and_categories() -> None:
    """A commissioning office's mix: all three kinds, every funding stream, many boroughs."""
    agreements = parsed(demo_rows(date(2026, 11, 22)))
    kinds = {a.kind for a in agreements}
    assert kinds == {"contract", "grant", "partnership"}
    assert {a.funding_stream for a in agreements} >= {
        "Core", "Commissioner's Safety Fund", "Ministry of Justice victims grant",
        "London Crime Prevention Fund", "Violence Reduction Unit", "Safer Neighbourhood Boards",
    }
    areas = {a.area for a in agreements}
    assert "pan-London" in areas and len(areas) >= 10
    assert {"domestic abuse", "sexual violence", "ISVA", "victim and witness support", "youth violence",
            "restorative justice", "modern slavery", "hate crime"} <= {a.category for a in agreements}
    assert any(a.provider.startswith("London Borough of ") for a in agreements)


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_every_period_people_ask_about_has_live_grants_and_contracts(today: date) -> None:
    """This quarter, next quarter, this financial year, in March and the next 90 days all answer."""
    agreements = parsed(demo_rows(today))
    q_start, q_end = quarter_of(today)
    nq_start, nq_end = quarter_of(q_end + timedelta(days=1))
    fy_end = date(today.year + (today.month > 3), 3, 31)
    march = date(fy_end.year, 3, 1), fy_end
    for kind in ("grant", "contract"):
        pool = live(agreements, kind)
        assert ending_between(pool, today, q_end), f"{kind}s ending this quarter"
        assert ending_between(pool, nq_start, nq_end), f"{kind}s ending next quarter"
        assert ending_between(pool, today, fy_end), f"{kind}s ending this financial year"
        assert ending_between(pool, max(today, march[0]), march[1]), f"{kind}s ending in March"
        assert ending_between(pool, today, today + timedelta(days=90)), f"{kind}s ending in 90 days"
    assert ending_between(live(agreements, "partnership"), nq_start, nq_end)


def test_it_has_ended_terminated_and_draft_agreements() -> None:
    """Some agreements have ended, some were terminated and some are still drafts."""
    today = date(2026, 11, 22)
    agreements = parsed(demo_rows(today))
    assert sum(a.has_ended(today) for a in live(agreements)) >= 3
    assert sum(a.status == "terminated" for a in agreements) >= 2
    drafts = [a for a in agreements if a.status == "draft"]
    assert len(drafts) >= 2 and all(not a.has_started(today) for a in drafts)


def test_extension_options_are_used_unused_and_used_up() -> None:
    """`1+1` with one year taken, options untouched, and options all used appear."""
    agreements = parsed(demo_rows(date(2026, 11, 22)))
    with_options = [a for a in agreements if a.extension_options]
    assert any(a.extension_years_used and a.has_extension_options for a in with_options)
    assert any(not a.extension_years_used and a.has_extension_options for a in with_options)
    assert any(a.extension_years_used and not a.has_extension_options for a in with_options)
    assert any(not a.extension_options for a in agreements)
    assert {"1+1", "2", ""} <= {row["extension_options"] for row in demo_rows(date(2026, 11, 22))}


def test_the_data_quality_gaps_audits_find_are_there_on_purpose() -> None:
    """No end date, no contact, info@ addresses, unsigned, no project code, expired but active."""
    today = date(2026, 11, 22)
    agreements = parsed(demo_rows(today))
    assert any(a.end_date is None for a in agreements)
    assert any(not a.contact_email and not a.contact_name for a in agreements)
    assert any(a.contact_email.startswith("info@") for a in agreements)
    assert any(a.signed in ("none", "ours") and a.is_live for a in agreements)
    assert sum(not a.project_code for a in agreements) >= 3
    assert any(not a.contract_manager for a in agreements)
    assert any(a.is_live and a.current_end_date and a.current_end_date < today - timedelta(days=180) for a in agreements)


def test_cells_come_in_the_messy_forms_real_registers_use() -> None:
    """UK and ISO dates, `£125,000.00`, `125k` and plain numbers, and `a=1; b=2` KPIs."""
    rows = demo_rows(date(2026, 11, 22))
    dates = [row["end_date"] for row in rows if row["end_date"]]
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates)
    values = [row["value"] for row in rows]
    assert any(re.fullmatch(r"£\d{1,3}(,\d{3})+\.00", v) for v in values)
    assert any(re.fullmatch(r"\d+k", v) for v in values)
    assert any(re.fullmatch(r"\d+", v) for v in values)
    assert any(re.fullmatch(r"[a-zA-Z ]+=\d+; [a-zA-Z ]+=\d+", row["kpis"]) for row in rows)


def test_the_agreements_people_ask_about_by_name_are_there() -> None:
    """OPCC-2023-014 has a contact, and Safer London has exactly one contract."""
    agreements = parsed(demo_rows(date(2026, 11, 22)))
    by_reference = {a.reference: a for a in agreements}
    opcc = by_reference["OPCC-2023-014"]
    assert opcc.contact_name and opcc.contact_email.endswith(".example")
    assert len([a for a in agreements if a.provider == "Safer London" and a.kind == "contract"]) == 1
    assert any(re.fullmatch(r"MOPAC-20\d\d-\d{3}", r) for r in by_reference)


def test_contract_managers_are_staff_addresses_at_the_office() -> None:
    """Every contract manager is firstname.lastname@mopac.example (or missing, as a gap)."""
    managers = {a.contract_manager for a in parsed(demo_rows(date(2026, 11, 22)))} - {""}
    assert managers and all(re.fullmatch(r"[a-z]+\.[a-z]+@mopac\.example", m) for m in managers)


def test_every_email_address_is_under_the_reserved_example_domain() -> None:
    """No demo address can reach a real mailbox."""
    agreements = parsed(demo_rows(date(2026, 11, 22)))
    emails = [a.contact_email for a in agreements if a.contact_email]
    assert emails and all(e.endswith(".example") for e in emails)


def test_the_demo_csv_opens_as_the_same_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The file written for people to open holds exactly the rows, £ signs intact."""
    path = tmp_path / "demo-register.csv"
    rows = write_demo_csv(path, date(2026, 11, 22))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle)) == rows


def test_a_benchmark_register_of_any_size_has_unique_references_and_imports() -> None:
    """Scaled-up registers keep references unique and every row readable."""
    rows = register_rows(date(2026, 11, 22), 3000)
    agreements = parsed(rows)
    assert len(agreements) == 3000
    assert len({a.reference for a in agreements}) == 3000
    assert {a.kind for a in agreements} == {"contract", "grant", "partnership"}


def test_a_benchmark_register_never_reuses_a_reference_it_is_told_is_taken() -> None:
    """The demo's agreements plus generated ones still import as one register."""
    today = date(2026, 11, 22)
    demo = demo_rows(today)
    rows = demo + register_rows(today, 920, taken=[row["reference"] for row in demo])
    assert len(parsed(rows)) == 1000
