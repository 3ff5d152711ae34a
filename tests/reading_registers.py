"""Two registers with different names for the reading tests: a London one and a shire county one.

They differ in everything a question can name — references, providers, funding streams, areas,
categories — so a test that passes on both is not passing because of one register's spelling.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.agreement import Agreement


def _agreement(reference: str, **fields: object) -> Agreement:
    values: dict[str, object] = {
        "kind": "grant",
        "status": "active",
        "start_date": date(2024, 4, 1),
        "contract_manager": "manager@pcc.example",
        "contact_name": "A Person",
        "contact_email": "a.person@provider.example",
        "project_code": "PC1",
        "signed": "both",
        "value": Decimal("100000"),
    }
    values.update(fields)
    return Agreement(reference=reference, **values)  # type: ignore[arg-type]


LONDON = [
    _agreement("GR-2024-015", title="Domestic abuse advocacy (IDVA) – Southwark", provider="Solace Women's Aid",
               funding_stream="London Crime Prevention Fund", area="London Borough of Southwark",
               category="domestic abuse", end_date=date(2027, 1, 31), value=Decimal("120000")),
    _agreement("GR-2024-016", title="Youth outreach & mentoring", provider="Safer London",
               funding_stream="Violence Reduction Unit", area="London Borough of Hackney",
               category="youth violence", end_date=date(2027, 3, 31), value=Decimal("250000")),
    _agreement("MOPAC-C-2023-007", kind="contract", title="London Victim and Witness Service",
               provider="Victim Care London", funding_stream="Ministry of Justice victims grant", area="pan-London",
               category="victim and witness support", end_date=date(2026, 3, 31), extended_to=date(2027, 6, 30),
               extension_options=(1, 1), value=Decimal("15000000")),
    _agreement("GR-2025-101", title="Sexual violence counselling", provider="Rape Crisis London",
               funding_stream="Ministry of Justice victims grant", area="London Borough of Lambeth",
               category="sexual violence", end_date=date(2028, 2, 29), value=Decimal("181302")),
    _agreement("GR-2025-102", title="Knife crime diversion", provider="Safer London",
               funding_stream="Violence Reduction Unit", area="London Borough of Hackney",
               category="youth violence", end_date=date(2026, 12, 24), value=Decimal("90000")),
]

SHIRE = [
    _agreement("LLR/2025/031", title="Rural domestic abuse support", provider="Living Without Abuse",
               funding_stream="Commissioner's Community Fund", area="Charnwood", category="domestic abuse",
               end_date=date(2027, 1, 31), value=Decimal("64000")),
    _agreement("LLR/2024/118", kind="contract", title="Victim First referral service", provider="Victim First",
               funding_stream="Ministry of Justice victims grant", area="Leicestershire", category="victim services",
               end_date=date(2027, 3, 31), extension_options=(2,), value=Decimal("1200000")),
    _agreement("LLR/2025/044", title="Night-time economy safety (Melton)", provider="Melton Borough Council",
               kind="partnership", funding_stream="Violence Reduction Network", area="Melton",
               category="night-time economy", end_date=date(2026, 12, 24), value=Decimal("45000")),
    _agreement("LLR/2023/009", title="Youth diversion", provider="Leicestershire Youth Trust",
               funding_stream="Violence Reduction Network", area="Rutland", category="youth violence",
               end_date=date(2028, 2, 29), value=Decimal("75000")),
    _agreement("LLR/2025/050", title="ISVA service", provider="FreeVA", kind="contract",
               funding_stream="Ministry of Justice victims grant", area="Leicester", category="sexual violence",
               end_date=date(2027, 6, 30), value=Decimal("300000")),
]

REGISTERS = {"london": LONDON, "shire": SHIRE}
# The awkward days: financial year end and start, Christmas Eve, a leap day.
AWKWARD_DAYS = (date(2027, 3, 31), date(2027, 4, 1), date(2026, 12, 24), date(2028, 2, 29))
