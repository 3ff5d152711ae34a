"""publish's own schema checks give the same verdicts as plain jsonschema over the official schemas.

The fast walker (publication/schema_check.py) must never pass what jsonschema fails, nor the
reverse: broken grants and releases of many kinds are checked both ways, item by item.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker

from publication.checks import check_360giving, check_ocds

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

GRANT: dict[str, Any] = {
    "id": "360G-mopac-LCPF-1", "title": "Mentoring", "description": "Mentoring.", "currency": "GBP", "amountAwarded": 45000,
    "awardDate": "2026-04-01", "recipientOrganization": [{"id": "GB-CHC-1129872", "name": "Safer London", "charityNumber": "1129872"}],
    "fundingOrganization": [{"id": "GB-GOR-PC390", "name": "MOPAC"}], "plannedDates": [{"startDate": "2026-04-01", "endDate": "2027-03-31", "duration": 12}],
    "beneficiaryLocation": [{"name": "Southwark", "geoCode": "E09000028", "geoCodeType": "LAD", "countryCode": "GB"}],
    "dateModified": "2027-01-05T09:00:00+00:00", "dataSource": "https://www.example.gov.uk/open-data/grants-360giving.json",
}
RELEASE: dict[str, Any] = {
    "ocid": "ocds-abc123-C-1", "id": "C-1-2026Q3", "date": "2027-01-05T09:00:00+00:00", "tag": ["contract"], "initiationType": "tender",
    "parties": [{"id": "GB-GOR-PC390", "name": "MOPAC", "roles": ["buyer"]}, {"id": "GB-COH-1", "name": "VS", "roles": ["supplier"]}],
    "buyer": {"id": "GB-GOR-PC390", "name": "MOPAC"},
    "awards": [{"id": "C-1-award", "status": "active", "suppliers": [{"id": "GB-COH-1", "name": "VS"}], "value": {"amount": 1.0, "currency": "GBP"}}],
    "contracts": [{"id": "C-1", "awardID": "C-1-award", "status": "active",
                   "period": {"startDate": "2024-04-01T00:00:00Z", "endDate": "2029-03-31T23:59:59Z", "maxExtentDate": "2031-03-31T23:59:59Z"}}],
}

GRANT_BREAKS = [
    ("awardDate", "31/12/2026"), ("amountAwarded", "45000"), ("currency", "GBX"), ("title", None), ("dateModified", "2027-01-05"),
    ("dataSource", "not a url"), ("recipientOrganization", []), ("plannedDates", [{"startDate": "1 April 2026"}]),
    ("beneficiaryLocation", [{"name": "Southwark", "countryCode": "ZZ"}]), ("fundingOrganization", [{"id": "GB-GOR-PC390"}]),
]
RELEASE_BREAKS = [
    ("date", "2027-01-05"), ("tag", ["signed"]), ("initiationType", "direct"), ("ocid", ""), ("parties", [{"roles": "buyer"}]),
    ("contracts", [{"id": "C-1", "awardID": "C-1-award", "status": "signed"}]),
    ("contracts", [{"id": "C-1", "awardID": "C-1-award", "period": {"maxExtentDate": "2031-03-31"}}]),
    ("awards", [{"id": "A", "value": {"amount": "1", "currency": "GBP"}}]),
]


def broken(base: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    item = copy.deepcopy(base)
    if value is None:
        del item[key]
    else:
        item[key] = value
    return item


def plain_verdicts(schema_file: str, validator_class: Any, items: list[dict[str, Any]]) -> list[bool]:
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    validator = validator_class(schema, format_checker=FormatChecker())
    return [not list(validator.iter_errors(item)) for item in items]


def test_the_360giving_check_agrees_with_jsonschema_on_every_broken_grant() -> None:
    grants = [copy.deepcopy(GRANT)] + [broken(GRANT, key, value) for key, value in GRANT_BREAKS]
    for n, grant in enumerate(grants):
        grant["id"] = f"360G-mopac-G-{n}"
    refs = [f"G-{n}" for n in range(len(grants))]
    problems = check_360giving({"grants": grants}, refs, "grants-360giving.json")
    ours = [not any(p.reference == ref for p in problems) for ref in refs]
    assert ours == plain_verdicts("360-giving-schema-1.4.3.json", Draft202012Validator, grants)
    assert ours == [True] + [False] * len(GRANT_BREAKS)


def test_the_ocds_check_agrees_with_jsonschema_on_every_broken_release() -> None:
    releases = [copy.deepcopy(RELEASE)] + [broken(RELEASE, key, value) for key, value in RELEASE_BREAKS]
    for n, release in enumerate(releases):
        release["ocid"] = release["ocid"] and f"ocds-abc123-C-{n}"
    refs = [f"C-{n}" for n in range(len(releases))]
    package = {"uri": "https://www.example.gov.uk/open-data/contracts-ocds.json", "version": "1.1",
               "publishedDate": "2027-01-05T09:00:00+00:00", "publisher": {"name": "MOPAC"}, "releases": releases}
    problems = check_ocds(package, refs, "contracts-ocds.json")
    ours = [not any(p.reference == ref for p in problems) for ref in refs]
    assert ours == plain_verdicts("ocds-release-schema-1.1.5.json", Draft4Validator, releases)
    assert ours == [True] + [False] * len(RELEASE_BREAKS)


@pytest.mark.parametrize("field", ["uri", "publishedDate"])
def test_a_bad_package_field_is_reported_against_the_publication(field: str) -> None:
    package = {"uri": "https://x.example/contracts-ocds.json", "version": "1.1", "publishedDate": "2027-01-05T09:00:00+00:00",
               "publisher": {"name": "MOPAC"}, "releases": [RELEASE]}
    package[field] = "nope"
    problems = check_ocds(package, ["C-1"], "contracts-ocds.json")
    assert [p.reference for p in problems] == [""] and field in problems[0].message
