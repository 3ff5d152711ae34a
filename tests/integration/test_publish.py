"""`commissioning-bot publish` as a transparency officer runs it, on SQLite and PostgreSQL.

The 360Giving and OCDS files are checked here against the official schemas vendored in
tests/schemas/ with a real format checker, independently of the checks publish runs itself.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012
from returns_data import add_agreements, agreement

from bot.commands.cli import main
from domain.agreement import Kpi
from domain.returns import CASE_STUDY, OUTCOMES, RAG, RISKS, SPEND_IN_PERIOD, SPEND_TO_DATE, kpi_key
from storage.db import create_engine
from storage.returns import ACCEPT, ReturnsRepository

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
PUBLISHER = {
    "FUNDER_NAME": "Mayor's Office for Policing and Crime",
    "FUNDER_ID": "GB-GOR-PC390",
    "GRANT_ID_PREFIX": "360G-mopac-",
    "OCDS_PREFIX": "ocds-abc123",
    "PUBLICATION_URL": "https://www.example.gov.uk/open-data/",
}
FILES = {
    "contracts.csv", "grants.csv", "partnerships.csv", "transparency-over-10k.csv", "grants-360giving.json",
    "contracts-ocds.json", "performance.csv", "index.html",
}
CONTACT = "Priya Shah"
MANAGER = "ann.jones@opcc.example.gov.uk"
PRIVATE_OUTCOME = "Clients told Maria Lopez they felt safer"
PROVIDER_EMAIL = "priya.shah@safeharbour.org.uk"

REGISTER = (
    agreement(
        "OPCC-2023-014", provider_id="GB-CHC-1129872", area="Southwark", category="sexual violence",
        funding_stream="Commissioner's Safety Fund", contact_name=CONTACT, contact_email=PROVIDER_EMAIL,
        contract_manager=MANAGER, notes="Call Priya on 07700 900123",
    ),
    agreement(
        "OPCC-2024-002", provider="Victim Support", kind="contract", title="Victim and Witness Service",
        provider_id="GB-COH-01234567", value=Decimal("15000000"), start_date=date(2024, 4, 1), end_date=date(2029, 3, 31),
        extension_options=(2,), area="pan-London", funding_stream="Core", contact_name="Lee Grant",
        contact_email="lee.grant@victimsupport.org.uk", monitoring="none", kpis=(),
    ),
    agreement(
        "OPCC-2022-100", provider="Lambeth Council", kind="partnership", title="Youth diversion in Lambeth",
        provider_id="GB-LAE-LBH", value=Decimal("80000"), start_date=date(2022, 4, 1), end_date=date(2027, 3, 31),
        area="Lambeth", status="terminated", monitoring="none", kpis=(),
    ),
    agreement("DRAFT-2026-1", title="Draft hate crime service", status="draft", value=Decimal("50000")),
    agreement("SMALL-2026-1", title="Community safety event", value=Decimal("8000"), area="Lambeth", monitoring="none", kpis=()),
    agreement("EXACT-2026-1", kind="contract", title="Translation service", value=Decimal("10000"), monitoring="none", kpis=()),
    agreement("OLD-2025-1", kind="contract", title="Old helpline", start_date=date(2025, 4, 1), end_date=date(2026, 6, 30)),
    agreement("FUTURE-2027-1", title="Future project", start_date=date(2027, 1, 1)),
    agreement(
        "NOSTART-2026-1", kind="contract", title="Awarded, start not recorded", start_date=None, award_date=date(2026, 9, 1),
        end_date=date(2027, 9, 30), extension_options=(1, 1), extended_to=date(2028, 9, 30), value=Decimal("45000"),
        monitoring="none", kpis=(),
    ),
)
IN_QUARTER = {"OPCC-2023-014", "OPCC-2024-002", "OPCC-2022-100", "SMALL-2026-1", "EXACT-2026-1", "NOSTART-2026-1"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def accept_q2_return(engine) -> None:  # type: ignore[no-untyped-def]
    """The Safe Harbour grant's Q2 2026/27 return, submitted and accepted, with free text in it."""
    repo = ReturnsRepository(engine)
    ret = await repo.open_return("OPCC-2023-014", date(2026, 7, 1), PROVIDER_EMAIL, date(2026, 10, 5))
    answers = {kpi_key("referrals"): "90", kpi_key("sessions"): "310", f"reason:{'referrals'}": "Staff shortage at Nina Patel's office",
               SPEND_IN_PERIOD: "25000.00", SPEND_TO_DATE: "50000.00", RAG: "Amber", RISKS: "Call me on 020 7946 0018",
               OUTCOMES: PRIVATE_OUTCOME, CASE_STUDY: "skip"}
    for key, value in answers.items():
        await repo.save_answer(ret.id, key, value, PROVIDER_EMAIL)
    await repo.submit(ret.id, PROVIDER_EMAIL)
    await repo.assess(ret.id, MANAGER, ACCEPT, "Approaching target", "Fine, but see Priya Shah", now=datetime(2026, 10, 20, tzinfo=UTC))


def seed(db_url: str, agreements: tuple, *, with_return: bool = False) -> None:  # type: ignore[type-arg]
    """Write the agreements (and the accepted return) before the CLI runs, which opens its own loop."""

    async def _seed() -> None:
        engine = create_engine(db_url)
        try:
            await add_agreements(engine, agreements)
            if with_return:
                await accept_q2_return(engine)
        finally:
            await engine.dispose()

    asyncio.run(_seed())


@pytest.fixture
def register(db_url: str) -> str:
    seed(db_url, REGISTER, with_return=True)
    return db_url


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The publication folder (the test database lives beside it, not in it)."""
    return tmp_path / "site"


@pytest.fixture
def publisher(monkeypatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    for name, value in PUBLISHER.items():
        monkeypatch.setenv(name, value)
    return PUBLISHER


def publish(capsys, db_url: str, out: Path, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "publish", "--db", db_url, "--quarter", "2026Q3", "-o", str(out), "--today", "2027-01-05", *extra)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def validate_360giving(package: dict) -> list[str]:
    grant = json.loads((SCHEMAS / "360-giving-schema-1.4.3.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "360-giving-package-schema-1.4.3.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(grant["$id"], DRAFT202012.create_resource(grant))
    validator = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]


def validate_ocds(package: dict) -> list[str]:
    release = json.loads((SCHEMAS / "ocds-release-schema-1.1.5.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "ocds-release-package-schema-1.1.5.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(release["id"], DRAFT4.create_resource(release))
    validator = Draft4Validator(schema, registry=registry, format_checker=FormatChecker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]


def test_the_format_checker_is_real() -> None:
    """Without a date-time checker 360Giving's 'date or date-time' rule fails every date: prove ours checks."""
    assert not FormatChecker().conforms("2026-10-01", "date-time")
    assert FormatChecker().conforms("2026-10-01T00:00:00+01:00", "date-time")
    assert not FormatChecker().conforms("not a url", "uri")


def test_publish_writes_every_file_and_the_open_data_meets_the_official_schemas(register, publisher, capsys, tmp_path):
    """360Giving 1.4.3 and OCDS 1.1.5 packages validate; every file of the issue is written."""
    out = tmp_path / "site" / "2026Q3"
    code, stdout, err = publish(capsys, register, out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == FILES
    assert "Published 2026Q3 (Q3 2026/27)" in stdout and "6 agreements" in stdout
    giving = json.loads((out / "grants-360giving.json").read_text(encoding="utf-8"))
    assert validate_360giving(giving) == []
    ocds = json.loads((out / "contracts-ocds.json").read_text(encoding="utf-8"))
    assert validate_ocds(ocds) == []
    ids = [g["id"] for g in giving["grants"]]
    assert len(ids) == len(set(ids)) and set(ids) == {"360G-mopac-OPCC-2023-014", "360G-mopac-SMALL-2026-1"}
    grant = next(g for g in giving["grants"] if g["id"] == "360G-mopac-OPCC-2023-014")
    assert grant["dataSource"] == "https://www.example.gov.uk/open-data/grants-360giving.json"
    assert grant["dateModified"].startswith("2027-01-05T")
    assert grant["recipientOrganization"][0]["charityNumber"] == "1129872"
    assert grant["beneficiaryLocation"][0] == {"name": "Southwark", "geoCode": "E09000028", "geoCodeType": "LAD", "countryCode": "GB"}
    assert grant["plannedDates"][0] == {"startDate": "2026-04-01", "endDate": "2030-03-31", "duration": 48}
    assert grant["fundingOrganization"] == [{"id": "GB-GOR-PC390", "name": "Mayor's Office for Policing and Crime"}]


def test_contracts_in_ocds_carry_buyer_supplier_and_the_max_extent_date(register, publisher, capsys, site):
    """One contract release per contract; maxExtentDate is the current end moved by every unused option."""
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    ocds = json.loads((site / "contracts-ocds.json").read_text(encoding="utf-8"))
    assert ocds["uri"] == "https://www.example.gov.uk/open-data/contracts-ocds.json"
    releases = {r["ocid"]: r for r in ocds["releases"]}
    assert set(releases) == {"ocds-abc123-OPCC-2024-002", "ocds-abc123-EXACT-2026-1", "ocds-abc123-NOSTART-2026-1"}
    vws = releases["ocds-abc123-OPCC-2024-002"]
    assert vws["tag"] == ["contract"]
    assert [(p["name"], p["roles"]) for p in vws["parties"]] == [
        ("Mayor's Office for Policing and Crime", ["buyer"]), ("Victim Support", ["supplier"])]
    contract = vws["contracts"][0]
    assert contract["value"] == {"amount": 15000000.0, "currency": "GBP"}
    assert contract["period"]["endDate"].startswith("2029-03-31")
    assert contract["period"]["maxExtentDate"].startswith("2031-03-31")
    # 1+1 with one year taken: one option left.
    assert releases["ocds-abc123-NOSTART-2026-1"]["contracts"][0]["period"]["maxExtentDate"].startswith("2029-09-30")


def test_the_transparency_list_holds_exactly_the_agreements_over_10000(register, publisher, capsys, site):
    """Any kind, value over £10,000 (not equal), of the quarter; with supplier, purpose, value and dates."""
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    listed = rows(site / "transparency-over-10k.csv")
    assert {r["Reference"] for r in listed} == {"OPCC-2023-014", "OPCC-2024-002", "OPCC-2022-100", "NOSTART-2026-1"}
    vws = next(r for r in listed if r["Reference"] == "OPCC-2024-002")
    assert (vws["Supplier"], vws["Value (GBP)"], vws["Start date"], vws["End date"]) == ("Victim Support", "15000000.00", "2024-04-01", "2029-03-31")
    assert vws["Purpose"] == "Victim and Witness Service"


def test_no_published_file_contains_an_email_a_phone_number_or_a_contact_name(register, publisher, capsys, site):
    """Contacts, the contract manager, notes and what a provider typed in a return stay out of every file."""
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    names = [CONTACT, "Lee Grant", "Maria Lopez", "Nina Patel"]
    for path in site.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), path.name
        assert not re.search(r"0\d{3}\s?\d{3}\s?\d{4}|07\d{3}\s?\d{6}", text), path.name
        for name in names:
            assert name not in text, (path.name, name)
        assert "Staff shortage" not in text and "felt safer" not in text and "Call" not in text


def test_a_draft_is_never_published_and_a_terminated_agreement_is_marked_terminated(register, publisher, capsys, site):
    """Drafts are in no file; the terminated partnership of the quarter is published, marked terminated."""
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    for path in site.iterdir():
        assert "DRAFT-2026-1" not in path.read_text(encoding="utf-8-sig"), path.name
    partnerships = rows(site / "partnerships.csv")
    assert [(r["Reference"], r["Status"]) for r in partnerships] == [("OPCC-2022-100", "terminated")]
    published = {r["Reference"] for name in ("contracts.csv", "grants.csv", "partnerships.csv") for r in rows(site / name)}
    assert published == IN_QUARTER


def test_performance_shows_the_last_accepted_return_against_targets(register, publisher, capsys, site):
    """KPI actuals against targets, RAG, spend against profile, at risk; 'no accepted return yet' otherwise."""
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    lines = {r["Reference"]: r for r in rows(site / "performance.csv")}
    isva = lines["OPCC-2023-014"]
    assert isva["Period"] == "Q2 2026/27" and isva["RAG"] == "Amber"
    assert isva["KPIs (actual against target)"] == "referrals: 90 of 120 (75%); sessions: 310 of 300 (103%)"
    assert isva["Spend to date (GBP)"] == "50000.00" and isva["Assessment"] == "at risk"
    assert set(lines) == {"OPCC-2023-014"}


@pytest.mark.parametrize("missing", list(PUBLISHER))
def test_a_missing_publisher_setting_refuses_and_writes_nothing(missing, db_url, publisher, monkeypatch, capsys, tmp_path):
    """Each setting is required: the refusal names it and says what to set; the folder is not even created."""
    monkeypatch.delenv(missing)
    out = tmp_path / "out"
    code, stdout, err = publish(capsys, db_url, out)
    assert code == 1
    assert stdout == ""
    assert f"Publishing needs {missing}: set it to" in err and "Nothing was written." in err
    assert not out.exists()


def test_a_problem_writes_nothing_and_lists_every_problem_with_its_agreement(db_url, publisher, capsys, tmp_path):
    """An email in a title and a contact's name in another title: both listed by reference; the folder is untouched."""
    seed(db_url, (
        agreement("BAD-1", title="Outreach (ring info@helpline.org.uk)"),
        agreement("BAD-2", title="Advice with Priya Shah", kind="contract", kpis=()),
        agreement("GOOD-1", contact_name="Priya Shah", kpis=(Kpi("referrals", Decimal(1)),)),
    ))
    out = tmp_path / "out"
    out.mkdir()
    (out / "grants.csv").write_text("last quarter's file", encoding="utf-8")
    code, stdout, err = publish(capsys, db_url, out)
    assert code == 1, stdout
    assert "Publication refused: 2 problems to fix. Nothing was written to" in err
    assert "BAD-1 (all files): contains an email address (info@helpline.org.uk)" in err
    assert "BAD-2 (all files): contains a contact name (Priya Shah)" in err
    assert sorted(p.name for p in out.iterdir()) == ["grants.csv"]
    assert (out / "grants.csv").read_text(encoding="utf-8") == "last quarter's file"


def test_publishing_replaces_its_own_files_and_leaves_everything_else_alone(register, publisher, capsys, site):
    """An old grants.csv is replaced; the web team's own files in the folder are not touched."""
    site.mkdir()
    (site / "grants.csv").write_text("old", encoding="utf-8")
    (site / "about.html").write_text("ours", encoding="utf-8")
    code, _, err = publish(capsys, register, site)
    assert code == 0, err
    assert (site / "about.html").read_text(encoding="utf-8") == "ours"
    assert rows(site / "grants.csv")[0]["Reference"] == "OPCC-2023-014"
    assert not [p for p in site.iterdir() if p.name.endswith(".part")]


def test_a_quarter_that_is_not_a_quarter_is_refused(db_url, publisher, capsys, tmp_path):
    """--quarter 2026-10 says how to write a quarter."""
    code, _, err = run(capsys, "publish", "--db", db_url, "--quarter", "2026-10", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "--quarter must be a financial quarter like 2026Q3" in err
