"""Grants in the 360Giving Data Standard, so other funders and agencies can use the register.

Audits asked commissioning offices to publish their grants "in a form other agencies can
use"; 360Giving is the UK's open standard for that. Each grant needs an identifier under the
publisher's `360G-` prefix, a title and description, the amount in GBP, the award date, and the
recipient and funding organisations with their org-id identifiers. Where a provider has no
real identifier (charity or company number) one is made from the reference under our own
prefix, and the export says how many grants that applies to so someone can fill them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.agreement import Agreement
from domain.geography import local_authority

DEFAULT_FUNDER_NAME = "Office of the Police and Crime Commissioner"
DEFAULT_FUNDER_ID = "360G-commissioning-register"
DEFAULT_GRANT_ID_PREFIX = "360G-commissioning-register-"
# Settings whose defaults above are placeholders: the export says which are missing.
FUNDER_SETTINGS: tuple[str, ...] = ("FUNDER_NAME", "FUNDER_ID", "GRANT_ID_PREFIX")
PLACEHOLDER_WARNING = (
    "{names} not set: the file uses a placeholder funder. Set {names} before anyone else uses it "
    "(commissioning-bot publish refuses without them)."
)
# Fields every grant must have, per the 360Giving Data Standard schema.
REQUIRED_FIELDS: tuple[str, ...] = (
    "id", "title", "description", "currency", "amountAwarded", "awardDate",
    "recipientOrganization", "fundingOrganization",
)


@dataclass(frozen=True)
class Funder:
    """The publisher: its name, org-id identifier and the `360G-` prefix of its grant ids."""

    name: str = DEFAULT_FUNDER_NAME
    identifier: str = DEFAULT_FUNDER_ID
    prefix: str = DEFAULT_GRANT_ID_PREFIX

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Funder:
        """`FUNDER_NAME`, `FUNDER_ID` and `GRANT_ID_PREFIX`, each with a working default."""
        env = environ
        return cls(
            name=env.get("FUNDER_NAME", "").strip() or DEFAULT_FUNDER_NAME,
            identifier=env.get("FUNDER_ID", "").strip() or DEFAULT_FUNDER_ID,
            prefix=env.get("GRANT_ID_PREFIX", "").strip() or DEFAULT_GRANT_ID_PREFIX,
        )

    @staticmethod
    def missing_settings(environ: Mapping[str, str]) -> list[str]:
        """The funder settings not set, so an export never uses a placeholder silently."""
        return [name for name in FUNDER_SETTINGS if not environ.get(name, "").strip()]


@dataclass
class GivingReport:
    """What the export left out or made up, to tell the person publishing it."""

    published: int = 0
    without_org_identifier: list[str] = field(default_factory=list)
    left_out: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"{_grants(self.published)} written in the 360Giving Data Standard."]
        if self.without_org_identifier:
            count = len(self.without_org_identifier)
            out.append(
                f"{_grants(count)} {'has' if count == 1 else 'have'} no real organisation identifier for the recipient "
                "(an identifier under our 360G- prefix was made from the reference): add provider_id, "
                "e.g. GB-CHC-1129872, to the register."
            )
        for reason, references in self.left_out.items():
            out.append(f"{_grants(len(references))} left out ({reason}): {', '.join(references[:10])}"
                       + (" …" if len(references) > 10 else ""))
        return out


def _grants(count: int) -> str:
    return f"{count} grant" if count == 1 else f"{count} grants"


def export_360giving(
    agreements: Iterable[Agreement],
    *,
    funder_name: str = DEFAULT_FUNDER_NAME,
    funder_id: str = DEFAULT_FUNDER_ID,
    prefix: str = DEFAULT_GRANT_ID_PREFIX,
    report: GivingReport | None = None,
    data_source: str = "",
    modified: str = "",
) -> dict[str, Any]:
    """A 360Giving JSON package (`{"grants": [...]}`) of the register's awarded grants.

    Drafts are not awarded yet and are left out, as are grants with no value or no award or
    start date (the standard requires both); `report` collects what was left out and why.
    `data_source` (where the file is published) and `modified` (an RFC 3339 date-time) are
    written on every grant when given, as the publication does.
    """
    report = report if report is not None else GivingReport()
    funding = {"id": funder_id, "name": funder_name}
    grants: list[dict[str, Any]] = []
    for agreement in agreements:
        if agreement.kind != "grant":
            continue
        reason = _left_out_reason(agreement)
        if reason:
            report.left_out.setdefault(reason, []).append(agreement.reference)
            continue
        grant = _grant(agreement, funding, prefix, report)
        if modified:
            grant["dateModified"] = modified
        if data_source:
            grant["dataSource"] = data_source
        grants.append(grant)
    report.published = len(grants)
    return {"grants": grants}


def lacking_org_identifier(agreements: Iterable[Agreement]) -> int:
    """How many published grants would get a made-up recipient identifier."""
    return sum(1 for a in agreements if a.kind == "grant" and not _left_out_reason(a) and not a.provider_id)


def _left_out_reason(agreement: Agreement) -> str:
    if agreement.status == "draft":
        return "draft, not awarded yet"
    if agreement.value is None:
        return "no value"
    if (agreement.award_date or agreement.start_date) is None:
        return "no award or start date"
    return ""


def _grant(agreement: Agreement, funding: dict[str, str], prefix: str, report: GivingReport) -> dict[str, Any]:
    recipient_id = agreement.provider_id
    if not recipient_id:
        recipient_id = f"{prefix}org-{_identifier_part(agreement.reference)}"
        report.without_org_identifier.append(agreement.reference)
    award = agreement.award_date or agreement.start_date
    grant: dict[str, Any] = {
        "id": f"{prefix}{_identifier_part(agreement.reference)}",
        "title": agreement.title,
        "description": _description(agreement),
        "currency": "GBP",
        "amountAwarded": _amount(agreement.value),
        "awardDate": award.isoformat() if award else None,
        "recipientOrganization": [_recipient(recipient_id, agreement.provider)],
        "fundingOrganization": [dict(funding)],
    }
    planned = _planned_dates(agreement)
    if planned:
        grant["plannedDates"] = [planned]
    if agreement.funding_stream:
        grant["grantProgramme"] = [{"title": agreement.funding_stream}]
    if agreement.area:
        grant["beneficiaryLocation"] = [_location(agreement.area)]
    return grant


def _recipient(identifier: str, name: str) -> dict[str, str]:
    """The recipient, with its charity or company number spelled out when its org-id says it."""
    recipient = {"id": identifier, "name": name}
    if identifier.upper().startswith("GB-CHC-"):
        recipient["charityNumber"] = identifier[len("GB-CHC-"):]
    elif identifier.upper().startswith("GB-COH-"):
        recipient["companyNumber"] = identifier[len("GB-COH-"):]
    return recipient


def _location(area: str) -> dict[str, str]:
    """A beneficiary location; a UK local authority gets its ONS code, so data can be joined by place."""
    known = local_authority(area)
    if known is None:
        return {"name": area}
    name, code, code_type = known
    return {"name": name, "geoCode": code, "geoCodeType": code_type, "countryCode": "GB"}


def _description(agreement: Agreement) -> str:
    """A plain sentence from what the register knows, since registers have no description column."""
    parts = [f"{agreement.title}, delivered by {agreement.provider}"]
    if agreement.category:
        parts.append(f"Service: {agreement.category}")
    if agreement.area:
        parts.append(f"Area: {agreement.area}")
    if agreement.funding_stream:
        parts.append(f"Funded from {agreement.funding_stream}")
    return ". ".join(parts) + "."


def _planned_dates(agreement: Agreement) -> dict[str, Any]:
    planned: dict[str, Any] = {}
    if agreement.start_date:
        planned["startDate"] = agreement.start_date.isoformat()
    end = agreement.current_end_date
    if end:
        planned["endDate"] = end.isoformat()
    if agreement.start_date and end and end >= agreement.start_date:
        planned["duration"] = _whole_months(agreement.start_date, end)
    return planned


def _whole_months(start: date, end: date) -> int:
    """Months from the start to the day after the (inclusive) end: 1 Apr 2024 – 31 Mar 2027 is 36."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month - (1 if after.day < start.day else 0)
    return max(1, months)


def _amount(value: Decimal | None) -> int | float:
    if value is None:
        return 0
    return int(value) if value == value.to_integral_value() else float(value)


def _identifier_part(reference: str) -> str:
    """A reference made safe for an identifier: spaces and slashes become hyphens."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", reference.strip()).strip("-") or "unknown"
