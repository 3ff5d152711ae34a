"""The published CSV files: contracts, grants, partnerships, the £10,000 list and performance.

Plain columns with a header row, ISO dates and pounds as plain numbers, so a spreadsheet or a
script reads them without cleaning. Only what the public may see: never contacts, the
contract manager, notes or anything a provider typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from domain.agreement import Agreement, format_extension_options
from domain.answers import Period
from domain.publication import Performance, published_status

REGISTER_COLUMNS: tuple[str, ...] = (
    "Reference", "Title", "Provider", "Provider identifier", "Funding stream", "Area", "Category",
    "Value (GBP)", "Start date", "Current end date", "Extension options left (years)", "Status",
)
TRANSPARENCY_COLUMNS: tuple[str, ...] = (
    "Reference", "Kind", "Supplier", "Supplier identifier", "Purpose", "Value (GBP)", "Award date",
    "Start date", "End date", "Funding stream", "Area",
)
PERFORMANCE_COLUMNS: tuple[str, ...] = (
    "Reference", "Title", "Provider", "Period", "RAG", "KPIs (actual against target)", "Spend to date (GBP)",
    "Expected by profile (GBP)", "Spend against profile (%)", "Assessment",
)


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def pounds(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """CSV text with a header row; a byte-order mark is added when written, for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def register_row(agreement: Agreement, quarter: Period) -> list[str]:
    return [
        agreement.reference, agreement.title, agreement.provider, agreement.provider_id, agreement.funding_stream,
        agreement.area, agreement.category, pounds(agreement.value), day(agreement.start_date),
        day(agreement.current_end_date), format_extension_options(agreement.extension_options_left),
        published_status(agreement, quarter),
    ]


def purpose(agreement: Agreement) -> str:
    """What the money is for, in the words the register has (title and service category)."""
    return f"{agreement.title} ({agreement.category})" if agreement.category else agreement.title


def transparency_row(agreement: Agreement) -> list[str]:
    return [
        agreement.reference, agreement.kind, agreement.provider, agreement.provider_id, purpose(agreement),
        pounds(agreement.value), day(agreement.award_date or agreement.start_date), day(agreement.start_date),
        day(agreement.current_end_date), agreement.funding_stream, agreement.area,
    ]


def kpi_summary(line: Performance) -> str:
    if line.latest is None:
        return ""
    parts = []
    for kpi in line.latest.kpis:
        actual = "not given" if kpi.actual is None else f"{kpi.actual}"
        percent = f" ({kpi.percent}%)" if kpi.percent is not None else ""
        parts.append(f"{kpi.name}: {actual} of {kpi.target}{percent}")
    return "; ".join(parts)


def performance_row(line: Performance) -> list[str]:
    agreement, latest = line.agreement, line.latest
    percent = line.percent_of_profile
    return [
        agreement.reference, agreement.title, agreement.provider,
        latest.period_label if latest else "", latest.rag if latest else "", kpi_summary(line),
        pounds(latest.spend_to_date) if latest else "", pounds(line.expected_spend),
        "" if percent is None else str(percent), line.status,
    ]
