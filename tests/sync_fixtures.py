"""A register kept as a Microsoft List, behind local stand-ins for Entra (https) and Graph.

msal is the real one, pointed at the Entra stand-in and told to trust its certificate; the
Graph stand-in serves SharePoint's documented payloads (see `stand_ins.sharepoint`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from stand_ins.graph import StandInEntra, self_signed_certificate
from stand_ins.sharepoint import SpColumn, SpList, StandInSharePoint

from bot.graph.client import GraphClient, GraphConnection, msal_token
from bot.graph.register_source import RegisterSource
from bot.settings import Secret
from domain.values import parse_date, parse_money

TODAY = date(2026, 12, 2)
SITE = "contoso.sharepoint.com:/sites/commissioning"
LIST = "Commissioning register"
SECRET = "stand-in-sync-client-secret"

ROWS_FOR_CLI = [
    {"reference": "MOPAC-2024-001", "kind": "grant", "title": "Youth outreach", "provider": "Safer London",
     "value": "125000", "end_date": "2027-03-31", "contract_manager": "grace.okafor@mopac.example"},
    {"reference": "MOPAC-2024-002", "kind": "contract", "title": "Victim service", "provider": "Victim Support",
     "value": "1500000", "end_date": "2026-07-31"},
]

# A list as a commissioning team builds one: friendly display names over SharePoint's internal
# names (field_7 and friends), typed columns, a renamed Title, a person and a lookup column.
COLUMNS = [
    SpColumn("Title", "Agreement title", "text"),
    SpColumn("Reference", "Reference", "text"),
    SpColumn("AgreementType", "Agreement type", "choice", choices=("contract", "grant", "partnership")),
    SpColumn("Provider", "Provider", "text"),
    SpColumn("field_3", "Provider ID", "text"),
    SpColumn("FundingStream", "Funding stream", "lookup", lookup_column="Title"),
    SpColumn("ProjectCode", "Project code", "text"),
    SpColumn("Value", "Value (£)", "currency"),
    SpColumn("StartDate", "Start date", "dateOnly"),
    SpColumn("AwardDate", "Award date", "dateOnly"),
    SpColumn("EndDate", "End date", "dateOnly"),
    SpColumn("Extensions", "Extension options", "text"),
    SpColumn("ExtendedTo", "Extended to", "dateOnly"),
    SpColumn("Borough", "Borough", "choice"),
    SpColumn("Category", "Category", "text"),
    SpColumn("ContractManager", "Contract manager", "person"),
    SpColumn("field_7", "Provider contact name", "text"),
    SpColumn("field_8", "Provider contact email", "text"),
    SpColumn("Monitoring", "Monitoring", "choice"),
    SpColumn("KPIs", "KPIs", "note"),
    SpColumn("Signed", "Signed", "choice"),
    SpColumn("Status", "Status", "choice"),
    SpColumn("Notes", "Notes", "note"),
]
# register field → internal name of the column holding it
FIELD_COLUMNS = {
    "title": "Title", "reference": "Reference", "kind": "AgreementType", "provider": "Provider",
    "provider_id": "field_3", "funding_stream": "FundingStream", "project_code": "ProjectCode", "value": "Value",
    "start_date": "StartDate", "award_date": "AwardDate", "end_date": "EndDate", "extension_options": "Extensions",
    "extended_to": "ExtendedTo", "area": "Borough", "category": "Category", "contract_manager": "ContractManager",
    "contact_name": "field_7", "contact_email": "field_8", "monitoring": "Monitoring", "kpis": "KPIs",
    "signed": "Signed", "status": "Status", "notes": "Notes",
}


@dataclass
class M365:
    """Entra, Graph (SharePoint) and a Graph client that reaches them with real msal."""

    entra: StandInEntra
    sharepoint: StandInSharePoint
    connection: GraphConnection
    trusting: requests.Session
    sleeps: list[float] = field(default_factory=list)
    register: SpList | None = None
    streams: SpList | None = None
    people: dict[str, int] = field(default_factory=dict)
    stream_ids: dict[str, int] = field(default_factory=dict)

    def client(self, **options: Any) -> GraphClient:
        async def no_wait(seconds: float) -> None:
            self.sleeps.append(seconds)

        token = msal_token(self.connection, http_client=self.trusting)
        return GraphClient(self.connection, token=token, sleep=no_wait, **options)

    def source(self, **overrides: str) -> RegisterSource:
        return RegisterSource.from_environ({"REGISTER_SITE": SITE, "REGISTER_LIST": LIST, **overrides})

    def make_register(self, rows: list[dict[str, str]], columns: list[SpColumn] | None = None) -> SpList:
        """The list, holding `rows` (register-format cells as text) as typed SharePoint values."""
        self.streams = self.sharepoint.add_list("Funding streams", [SpColumn("Title", "Title", "text")])
        wanted = [SpColumn(**{**c.__dict__, "lookup_list_id": self.streams.id}) if c.kind == "lookup" else c
                  for c in (columns or COLUMNS)]
        self.register = self.sharepoint.add_list(LIST, wanted)
        for row in rows:
            self.add_row(row)
        return self.register

    def add_row(self, row: dict[str, str]) -> str:
        assert self.register is not None
        return self.register.add_item(self.item_fields(row))

    def item_fields(self, row: dict[str, str]) -> dict[str, Any]:
        """Register cells → the JSON values SharePoint keeps for them, by column type."""
        fields: dict[str, Any] = {}
        for name, text in row.items():
            if not text or name not in FIELD_COLUMNS:
                continue
            column = FIELD_COLUMNS[name]
            if name in ("start_date", "award_date", "end_date", "extended_to"):
                parsed = parse_date(text)
                fields[column] = parsed.isoformat() if parsed else None
            elif name == "value":
                amount = parse_money(text)
                fields[column] = float(amount) if amount is not None else None
            elif name == "contract_manager":
                fields[column] = self.person(text)
            elif name == "funding_stream":
                fields[column] = self.stream(text)
            else:
                fields[column] = text
        return fields

    def person(self, email: str) -> int:
        if email not in self.people:
            lookup_id = 10 + len(self.people)
            self.people[email] = lookup_id
            self.sharepoint.users[lookup_id] = (email.split("@")[0].replace(".", " ").title(), email)
        return self.people[email]

    def stream(self, name: str) -> int:
        assert self.streams is not None
        if name not in self.stream_ids:
            self.stream_ids[name] = int(self.streams.add_item({"Title": name}))
        return self.stream_ids[name]


@pytest.fixture
async def m365(tmp_path: Path) -> AsyncIterator[M365]:
    cert, key = self_signed_certificate(tmp_path)
    entra = await StandInEntra(cert, key, unique_tokens=True).start()
    sharepoint = await StandInSharePoint().start()
    connection = GraphConnection(app_id="sync-app-id", app_password=Secret(SECRET), tenant_id="tenant-1",
                                 graph_base_url=sharepoint.url, authority_host=entra.url)
    trusting = requests.Session()
    trusting.verify = str(cert)
    trusting.trust_env = False
    yield M365(entra, sharepoint, connection, trusting)
    trusting.close()
    await sharepoint.stop()
    await entra.stop()
