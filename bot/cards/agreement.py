"""The card for one agreement: what it is, when it ends, who to call, what is wrong with it.

Data-quality flags come from `domain.data_quality.problems(agreement, today)` when that
module is present, plus any the answer already attached to the match.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.cards import text as words
from bot.cards.elements import Element, card, container, facts, fits, heading, subtle, text
from bot.cards.text import day, money, shorten
from domain.agreement import Agreement, format_extension_options
from domain.answers import Match

_FIELD_LIMIT = 300
_TITLE_LIMIT = 400
_NOTES_LIMIT = 2000
_MAX_PROBLEMS = 30
# Tighter limits used only when a card full of very long text would not fit otherwise.
_TIGHT = {"field": 80, "title": 120, "notes": 200, "problems": 10}


def agreement_card(
    match_or_agreement: Match | Agreement,
    today: date,
    *,
    headline: str = "",
    interpretation: str = "",
) -> Element:
    """The card for one agreement (a `Match` from an answer, or an `Agreement` itself)."""
    match = match_or_agreement if isinstance(match_or_agreement, Match) else Match(agreement=match_or_agreement)
    built = _agreement_card(match, today, headline, interpretation, _FIELD_LIMIT, _TITLE_LIMIT, _NOTES_LIMIT, _MAX_PROBLEMS)
    if not fits(built):
        built = _agreement_card(match, today, headline, interpretation, _TIGHT["field"], _TIGHT["title"], _TIGHT["notes"], _TIGHT["problems"])
    return built


def _agreement_card(
    match: Match, today: date, headline: str, interpretation: str, field: int, title: int, notes: int, max_problems: int
) -> Element:
    agreement = match.agreement
    body: list[Element] = []
    if headline:
        body.append(text(shorten(headline, field), weight="Bolder"))
    if interpretation:
        body.append(subtle(shorten(interpretation, field), spacing="None"))
    body.append(heading(shorten(agreement.title, title)))
    kind = words.KIND_WORDS.get(agreement.kind, agreement.kind)
    body.append(text(f"{shorten(agreement.reference, field)} · {shorten(kind, field)}", weight="Bolder", spacing="None"))
    status = _status_line(match, agreement, today)
    if status:
        body.append(text(status, color="Attention" if match.ended or agreement.has_ended(today) else "Accent", weight="Bolder"))
    body.append(facts([(name, value) for name, value in _facts(agreement, field)]))
    if agreement.kpis:
        kpi_lines = "; ".join(f"{shorten(kpi.name, field)}: {_number(kpi.target)}" for kpi in agreement.kpis)
        per = _per_period(agreement.monitoring)
        body.append(text(f"KPI targets{per}: {shorten(kpi_lines, notes)}", spacing="Medium"))
    problems = _problems(match, today)
    if problems:
        shown = problems[:max_problems]
        items = [text(f"Data-quality problems ({len(problems)})", weight="Bolder")]
        items.extend(text("• " + shorten(problem, field), spacing="None") for problem in shown)
        if len(problems) > len(shown):
            items.append(subtle(f"…and {len(problems) - len(shown)} more", spacing="None"))
        body.append(container(items, style="warning", spacing="Medium"))
    if agreement.notes:
        body.append(subtle("Notes: " + shorten(agreement.notes, notes), spacing="Medium"))
    return card(body, fallback_text=shorten(f"{agreement.reference}: {agreement.title}", 200))


def _status_line(match: Match, agreement: Agreement, today: date) -> str:
    """`Ended on 31 Mar 2026`, `Starts 1 Apr 2027`, or the lifecycle when it is not active."""
    end = agreement.current_end_date
    if agreement.status != "active":
        return words.STATUS_WORDS.get(agreement.status, agreement.status)
    if match.ended or agreement.has_ended(today):
        return f"Ended on {day(end)}"
    if match.not_started or not agreement.has_started(today):
        return f"Not started: starts {day(agreement.start_date)}"
    return ""


def _facts(agreement: Agreement, limit: int) -> list[tuple[str, str]]:
    """Every register field a reader asks about, escaped, with `not recorded` for gaps."""

    def field(value: object) -> str:
        text_value = shorten(value, limit)
        return text_value if text_value else words.NOT_RECORDED

    pairs: list[tuple[str, str]] = [
        ("Provider", field(agreement.provider)),
        ("Funding stream", field(agreement.funding_stream)),
        ("Area", field(agreement.area)),
        ("Category", field(agreement.category)),
        ("Value", money(agreement.value)),
        ("Start", day(agreement.start_date)),
        ("End date", day(agreement.end_date)),
    ]
    if agreement.extended_to and agreement.extended_to != agreement.end_date:
        pairs.append(("Current end date", f"{day(agreement.current_end_date)} (extended)"))
    else:
        pairs.append(("Current end date", day(agreement.current_end_date)))
    pairs.append(("Extension options", _extensions(agreement)))
    pairs.extend(
        [
            ("Contract manager", field(agreement.contract_manager)),
            ("Provider contact", field(agreement.contact_name)),
            ("Contact email", field(agreement.contact_email)),
            ("Signed", words.SIGNED_WORDS.get(agreement.signed, words.NOT_RECORDED)),
            ("Status", words.STATUS_WORDS.get(agreement.status, agreement.status)),
            ("Monitoring", field(agreement.monitoring)),
        ]
    )
    if agreement.project_code:
        pairs.insert(4, ("Project code", field(agreement.project_code)))
    return pairs


def _extensions(agreement: Agreement) -> str:
    """`1+1, 1 left (1 year)`, `1+1, none left`, or `none`."""
    if not agreement.extension_options:
        return "none"
    left = agreement.extension_options_left
    allowed = format_extension_options(agreement.extension_options)
    if not left:
        return f"{allowed}, none left"
    years = sum(left)
    return f"{allowed}, {len(left)} left ({years} year{'s' if years != 1 else ''})"


def _problems(match: Match, today: date) -> list[str]:
    """Flags from the data-quality rules, then any the answer attached, each once."""
    found: list[str] = []
    for problem in _domain_problems(match.agreement, today):
        found.append(_describe(problem))
    for problem in match.problems:
        found.append(str(problem))
    return list(dict.fromkeys(p for p in found if p))


def _domain_problems(agreement: Agreement, today: date) -> list[Any]:
    """`domain.data_quality.problems` when the module exists; nothing otherwise."""
    try:
        from domain import data_quality
    except ImportError:
        return []
    check = getattr(data_quality, "problems", None)
    if check is None:
        return []
    return list(check(agreement, today))


def _describe(problem: Any) -> str:
    """A problem's words, whether the rules return strings or objects with a message."""
    for attribute in ("message", "description", "text"):
        value = getattr(problem, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(problem)


def _number(value: Any) -> str:
    """`Decimal('120')` → `120`, `Decimal('1200.5')` → `1,200.5`."""
    try:
        return f"{Decimal(value).normalize():,f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def _per_period(monitoring: str) -> str:
    return {
        "quarterly": " per quarter",
        "monthly": " per month",
        "biannual": " per half-year",
        "annual": " per year",
    }.get(monitoring, "")
