"""A small register for the bot's end-to-end tests, written as a CSV file and imported.

Two providers with contacts (Safe Harbour, Northside Youth Trust), and twenty borough grants
ending in the same quarter so that one answer runs to more than one card page.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 20)
STAFF_DOMAIN = "mopac.example"
STAFF_EMAIL = f"sam.staff@{STAFF_DOMAIN}"
SAFE_HARBOUR_CONTACT = "returns@safeharbour.org.uk"
NORTHSIDE_CONTACT = "data@northside.org.uk"
STRANGER_EMAIL = "someone@elsewhere.example"

COLUMNS = [
    "reference", "kind", "title", "provider", "value", "start_date", "end_date", "area",
    "category", "contract_manager", "contact_name", "contact_email", "funding_stream",
]

ROWS = [
    ["OPCC-2023-014", "grant", "Independent sexual violence advisers", "Safe Harbour", "400000", "01/04/2023",
     "31/12/2026", "Southwark", "sexual violence", STAFF_EMAIL, "Rae Returns", SAFE_HARBOUR_CONTACT, "Core"],
    ["OPCC-2024-031", "contract", "Domestic abuse outreach", "Safe Harbour", "250000", "01/04/2024",
     "31/03/2028", "Southwark", "domestic abuse", STAFF_EMAIL, "Rae Returns", SAFE_HARBOUR_CONTACT, "Core"],
    ["OPCC-2024-077", "grant", "Youth diversion", "Northside Youth Trust", "90000", "01/04/2024",
     "15/12/2026", "Lambeth", "youth", STAFF_EMAIL, "Nia North", NORTHSIDE_CONTACT, "Violence Reduction Unit"],
] + [
    [f"LCPF-2023-{n:03d}", "grant", f"Borough crime prevention {n}", f"Borough Partnership {n}", str(10000 + n),
     "01/04/2023", "20/12/2026", f"Borough {n}", "crime prevention", STAFF_EMAIL, "", "", "London Crime Prevention Fund"]
    for n in range(1, 21)
]

# "which grants expire this quarter?" on TODAY: Q3 2026/27, 1 Oct – 31 Dec 2026.
QUARTER_QUESTION = "which grants expire this quarter?"
GRANTS_THIS_QUARTER = {"OPCC-2023-014", "OPCC-2024-077"} | {f"LCPF-2023-{n:03d}" for n in range(1, 21)}


def write_register(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    return path
