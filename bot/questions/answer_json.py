"""`ask --json`: one JSON object per answer, the shape docs/questions.md promises to scripts and tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.answers import Answer, Match

OPEN_END = date(9999, 12, 31)


def money_number(amount: Decimal | None) -> int | float | None:
    """Whole pounds as an int, otherwise pounds and pence as a float (JSON has no decimal)."""
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _iso(day: date | None) -> str | None:
    return None if day is None or day == OPEN_END else day.isoformat()


def match_json(match: Match) -> dict[str, Any]:
    agreement = match.agreement
    return {
        "reference": agreement.reference,
        "kind": agreement.kind,
        "title": agreement.title,
        "provider": agreement.provider,
        "start_date": _iso(agreement.start_date),
        "end_date": _iso(agreement.current_end_date),
        "value": money_number(agreement.value),
        "status": agreement.status,
        "ended": match.ended,
        "not_started": match.not_started,
        "problems": list(match.problems),
        "notes": list(match.notes),
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    period = None
    if answer.period is not None:
        period = {"start": _iso(answer.period.start), "end": _iso(answer.period.end), "label": answer.period.label}
    return {
        "question": answer.question,
        "understood": answer.understood,
        "intent": answer.intent,
        "headline": answer.headline,
        "interpretation": answer.interpretation,
        "period": period,
        "references": answer.references,
        "count": answer.count,
        "total_value": money_number(answer.total_value),
        "missing_values": answer.missing_values,
        "matches": [match_json(m) for m in answer.matches],
        "details": list(answer.details),
        "examples": list(answer.examples),
        "choices": [{"title": title, "question": question} for title, question in answer.choices],
        "group_by": answer.group_by or None,
        "groups": [
            {"name": group.name, "count": group.count, "total_value": money_number(group.total_value),
             "missing_values": group.missing_values, "references": list(group.references)}
            for group in answer.groups
        ],
        "payments": [
            {"reference": line.reference, "due": _iso(line.due), "amount": money_number(line.amount),
             "paid": money_number(line.paid), "paid_on": _iso(line.paid_on), "status": line.status,
             "generated": line.generated}
            for line in answer.payments
        ],
    }
