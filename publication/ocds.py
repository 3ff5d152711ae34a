"""Contracts as an OCDS 1.1.5 release package: one `contract` release per contract.

The Open Contracting Data Standard is how other agencies and journalists read contracts across
publishers. Each release names the buyer (us, from the publisher settings) and the supplier in
`parties`, with an award and a contract carrying the value and period; `maxExtentDate` says how
long the contract could still run if every unused extension option were taken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.agreement import Agreement
from domain.answers import Period
from domain.publication import max_extent_date, quarter_code
from publication.settings import Publisher

OCDS_VERSION = "1.1"
CONTRACTS_FILE = "contracts-ocds.json"


def identifier_part(reference: str) -> str:
    """A reference made safe for an identifier: spaces and slashes become hyphens."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", reference.strip()).strip("-") or "unknown"


def ocid(publisher: Publisher, agreement: Agreement) -> str:
    return f"{publisher.ocds_prefix.rstrip('-')}-{identifier_part(agreement.reference)}"


def _moment(day: date | None) -> str | None:
    """OCDS dates are date-times: the start of the day in UK time (midnight UTC is close enough in winter)."""
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def _end_moment(day: date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T23:59:59Z"


def _status(agreement: Agreement, quarter: Period) -> str:
    if agreement.status == "terminated":
        return "terminated"
    if agreement.start_date is not None and agreement.start_date > quarter.end:
        return "pending"
    return "active"


def _scheme(identifier: str) -> dict[str, str]:
    """An org-id such as GB-COH-01234567 split into its scheme (GB-COH) and id."""
    match = re.match(r"^([A-Z]{2}-[A-Z0-9]+)-(.+)$", identifier)
    return {"scheme": match.group(1), "id": match.group(2)} if match else {"id": identifier}


def release(agreement: Agreement, publisher: Publisher, quarter: Period, released: str) -> dict[str, Any]:
    supplier_id = agreement.provider_id or f"{publisher.ocds_prefix.rstrip('-')}-org-{identifier_part(agreement.provider)}"
    buyer = {"id": publisher.funder_id, "name": publisher.funder_name}
    supplier = {"id": supplier_id, "name": agreement.provider}
    value = None if agreement.value is None else {"amount": float(agreement.value), "currency": "GBP"}
    period: dict[str, Any] = {}
    if agreement.start_date:
        period["startDate"] = _moment(agreement.start_date)
    if agreement.current_end_date:
        period["endDate"] = _end_moment(agreement.current_end_date)
        period["maxExtentDate"] = _end_moment(max_extent_date(agreement))
    award_id = f"{identifier_part(agreement.reference)}-award"
    award: dict[str, Any] = {"id": award_id, "title": agreement.title, "status": "active", "suppliers": [supplier]}
    contract: dict[str, Any] = {"id": identifier_part(agreement.reference), "awardID": award_id, "title": agreement.title,
                                "status": _status(agreement, quarter)}
    awarded = agreement.award_date or agreement.start_date
    if awarded:
        award["date"] = _moment(awarded)
    if value:
        award["value"] = dict(value)
        contract["value"] = dict(value)
    if period:
        award["contractPeriod"] = dict(period)
        contract["period"] = dict(period)
    supplier_party: dict[str, Any] = {**supplier, "roles": ["supplier"]}
    if agreement.provider_id:
        supplier_party["identifier"] = _scheme(agreement.provider_id)
    buyer_party: dict[str, Any] = {**buyer, "roles": ["buyer"], "identifier": _scheme(publisher.funder_id)}
    return {
        "ocid": ocid(publisher, agreement),
        "id": f"{identifier_part(agreement.reference)}-{quarter_code(quarter)}",
        "date": released,
        "tag": ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [buyer_party, supplier_party],
        "buyer": buyer,
        "awards": [award],
        "contracts": [contract],
    }


def release_package(contracts: Sequence[Agreement], publisher: Publisher, quarter: Period, released: str) -> dict[str, Any]:
    """The package; its `uri` is where it will be published, under PUBLICATION_URL."""
    return {
        "uri": publisher.url_of(CONTRACTS_FILE),
        "version": OCDS_VERSION,
        "publishedDate": released,
        "publisher": {"name": publisher.funder_name, "uid": publisher.funder_id},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": publisher.publication_url,
        "releases": [release(a, publisher, quarter, released) for a in contracts],
    }
