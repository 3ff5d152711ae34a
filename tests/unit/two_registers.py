"""Two registers with different names for table-driven question tests: London and a shire county.

A London register (MOPAC style: boroughs, London Crime Prevention Fund, `MOPAC-` references) and a
shire county one (an OPCC such as Leicestershire: districts, Violence Reduction Network, `GR-2024-015`
and `LLR/CON/22/03` references), so a rule that only works for one register's words shows up. Every
right answer can be worked out by reading the rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.agreement import Agreement


def _row(reference: str, **fields: object) -> Agreement:
    values: dict[str, object] = {
        "kind": "grant",
        "title": f"Service {reference}",
        "provider": "Hope Trust",
        "status": "active",
        "start_date": date(2024, 4, 1),
        "contract_manager": "officer@pcc.example",
        "contact_name": "A Person",
        "contact_email": "a.person@provider.example",
        "project_code": "PC-1",
        "signed": "both",
        "value": Decimal("100000"),
    }
    values.update(fields)
    return Agreement(reference=reference, **values)  # type: ignore[arg-type]


LONDON = (
    _row("MOPAC-24-001", title="Southwark domestic abuse advocacy", provider="Solace Women's Aid",
         funding_stream="London Crime Prevention Fund", area="London Borough of Southwark", category="domestic abuse",
         value=Decimal("300000"), end_date=date(2027, 3, 31), extension_options=(1, 1)),
    _row("MOPAC-24-002", title="Lambeth refuge places", provider="Refuge",
         funding_stream="Ministry of Justice victims grant", area="London Borough of Lambeth", category="domestic abuse",
         value=Decimal("450000"), end_date=date(2027, 3, 31), signed="ours", contact_email="info@refuge.example"),
    _row("MOPAC-24-003", title="Youth violence diversion", provider="St Giles Trust",
         funding_stream="Violence Reduction Unit", area="London Borough of Southwark", category="youth violence",
         value=Decimal("200000"), end_date=date(2026, 4, 30), extension_options=(1,), extended_to=date(2027, 4, 30)),
    _row("MOPAC-24-004", kind="contract", title="London Victim and Witness Service", provider="Victim Support",
         funding_stream="Ministry of Justice victims grant", area="pan-London", category="victim and witness support",
         value=Decimal("15000000"), end_date=date(2027, 12, 24), project_code="VWS-15", signed="both",
         extra=(("contact_phone", "020 7946 0000"),), notes="Recommissioning board in June."),
    _row("MOPAC-24-005", kind="contract", title="ISVA service", provider="Rape Crisis South London",
         funding_stream="Ministry of Justice victims grant", area="London Borough of Lambeth", category="sexual violence",
         value=Decimal("250000"), end_date=date(2025, 3, 31), extension_options=(1,), extended_to=date(2026, 3, 31),
         contact_name="", contact_email="", signed="none"),
    _row("MOPAC-24-006", title="Croydon youth mentoring", provider="St Giles Trust",
         funding_stream="Violence Reduction Unit", area="London Borough of Croydon", category="youth violence",
         value=None, end_date=date(2028, 2, 29), signed=""),
    _row("MOPAC-24-007", kind="partnership", title="Hackney partnership", provider="London Borough of Hackney",
         funding_stream="London Crime Prevention Fund", area="London Borough of Hackney", category="community safety",
         value=Decimal("1000000"), end_date=date(2028, 3, 31), contact_name="", contact_email=""),
    _row("MOPAC-24-008", title="Draft stalking advocacy", provider="Solace Women's Aid", status="draft",
         funding_stream="Ministry of Justice victims grant", area="London Borough of Southwark", category="domestic abuse",
         value=Decimal("90000"), end_date=date(2027, 3, 31), contact_name="", contact_email="", signed="none"),
    _row("MOPAC-24-009", title="Old Lambeth grant", provider="Refuge", status="terminated",
         funding_stream="London Crime Prevention Fund", area="London Borough of Lambeth", category="domestic abuse",
         value=Decimal("80000"), end_date=date(2026, 3, 31)),
)

SHIRE = (
    _row("GR-2024-015", title="Domestic abuse outreach", provider="Juniper Lodge",
         funding_stream="Ministry of Justice victims grant", area="Charnwood", category="domestic abuse",
         value=Decimal("120000"), end_date=date(2027, 3, 31), project_code="LLR-DA-015", extension_options=(1, 1),
         extended_to=date(2028, 3, 31)),
    _row("GR-2024-016", title="Knife crime education", provider="Charnwood Borough Council", kind="partnership",
         funding_stream="Violence Reduction Network", area="Charnwood", category="youth violence",
         value=Decimal("60000"), end_date=date(2027, 4, 1)),
    _row("GR-2024-017", title="Melton youth diversion", provider="Melton Borough Council", kind="partnership",
         funding_stream="Violence Reduction Network", area="Melton", category="youth violence",
         value=Decimal("40000"), end_date=date(2027, 3, 31), extension_options=(2,), extended_to=date(2029, 3, 31)),
    _row("LLR/CON/22/03", kind="contract", title="Victim First", provider="Catch22",
         funding_stream="Ministry of Justice victims grant", area="force-wide", category="victim and witness support",
         value=Decimal("2000000"), end_date=date(2026, 12, 24), extension_options=(1,), signed="ours",
         contact_email="enquiries@catch22.example"),
    _row("LLR/CON/22/04", kind="contract", title="Sexual violence advisers", provider="Juniper Lodge",
         funding_stream="Police and Crime Commissioner's Community Safety Fund", area="Leicester City",
         category="sexual violence", value=Decimal("350000"), end_date=date(2026, 3, 31), contact_name="",
         contact_email=""),
    _row("GR-2024-018", title="Rutland rural crime", provider="Rutland County Council", kind="partnership",
         funding_stream="Police and Crime Commissioner's Community Safety Fund", area="Rutland", category="community safety",
         value=Decimal("25000"), end_date=date(2028, 2, 29), signed="none", contact_name="", contact_email=""),
    _row("GR-2024-019", title="Draft Charnwood hub", provider="Juniper Lodge", status="draft",
         funding_stream="Violence Reduction Network", area="Charnwood", category="domestic abuse",
         value=Decimal("70000"), end_date=date(2027, 3, 31), contact_name="", contact_email="", signed="none"),
)
