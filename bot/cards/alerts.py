"""Alert cards: one alert, or a digest of several for one chat, with the buttons that act on them.

Built from outbox items (`storage.outbox.OutboxEntry`), so the sender can render exactly what
it claimed. Several alerts for one chat become one digest (`bot.cards.digest`). Buttons carry data
`read_alert_action` understands; those that record something (a decision, a payment) are Universal
Actions (`Action.Execute` with an `Action.Submit` fallback) and their cards refresh, so what was
recorded shows for everyone:
- staff: "Open agreement" (asks "tell me about REF"), "Snooze 7 days", and for extension
  decisions "Extend by N years" / "Re-commission" / "Let it end";
- providers: "Start my return" (the check-in dialog).
Providers' cards carry no staff buttons and only their own agreement's alert. Register text
is escaped like every other card; cards stay under Teams' size limit by trimming detail lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.cards.digest import digest_card
from bot.cards.elements import ask_button, card, container, execute, facts, fits, heading, submit, subtle, text
from bot.cards.text import day, london_day, plural, shorten
from bot.requests import (
    ACTION_DECIDE,
    ACTION_PAYMENT_REFRESH,
    ACTION_RECORD_PAYMENT,
    ACTION_REFRESH,
    ACTION_SNOOZE,
    ACTION_START_RETURN,
    SNOOZE_DAYS,
)
from domain.alerts import (
    ASSESSMENT_PENDING,
    DATA_QUALITY,
    DECISION_OVERDUE,
    EXPIRY,
    EXTEND,
    EXTENSION_DECISION,
    NOTICE_DUE,
    PROVIDER,
    PUBLICATION_DUE,
    RETURN_DUE,
    RETURN_OVERDUE,
    WEEKLY_DIGEST,
)
from domain.alerts import (
    RECOMMISSION as RECOMMISSION_DECISION,
)
from domain.payment_alerts import PAYMENT_DIGEST, PAYMENT_DUE, PAYMENT_OVERDUE, PAYMENT_RECORDED
from domain.values import format_money
from storage.alerts_repo import EarlierDecision
from storage.outbox import OutboxEntry
from storage.payments import PaymentStanding
from storage.posted_cards import CARD_UPDATE, decision_from_json

TITLES: dict[str, str] = {
    EXPIRY: "Agreement ending soon",
    EXTENSION_DECISION: "Decide whether to extend",
    DECISION_OVERDUE: "Extension decision overdue",
    NOTICE_DUE: "Tell the provider: grant ending",
    RETURN_DUE: "Monitoring return due",
    RETURN_OVERDUE: "Monitoring return overdue",
    ASSESSMENT_PENDING: "Return waiting for assessment",
    DATA_QUALITY: "Register check",
    WEEKLY_DIGEST: "Weekly digest",
    PUBLICATION_DUE: "Publish the register",
    PAYMENT_DUE: "Payment due soon",
    PAYMENT_OVERDUE: "Payment overdue",
    PAYMENT_RECORDED: "Payment made",
    PAYMENT_DIGEST: "Payments this week",
}
RECORD_PAYMENT = "Record payment"
RECORD_PAYMENT_SEND = "Record it"
AMOUNT_LABEL = "Amount paid, e.g. £12,500"
PAID_LABEL = "Paid on, e.g. 3 Dec (empty for today)"
OPEN_AGREEMENT = "Open agreement"
SNOOZE = f"Snooze {SNOOZE_DAYS} days"
DECIDE = "Mark extension decided"
EXTEND_BY = "Extend by {years}"
RECOMMISSION = "Re-commission"
LET_END = "Let it end"
START_RETURN = "Start my return"
MORE_LINES = "…and {count} more. Ask me \"data quality problems\" for the full list."
DECIDED_HEADING = "Decided: {reference}"
PAID_HEADING = "Payment recorded: {reference}"
OUTCOME_PAID = "{amount} recorded as paid on {paid} by {who}"
OUTCOME_PAID_ELSEWHERE = "{amount} recorded as paid on {paid}"
OUTCOME_EXTENDED = "Extended to {end} by {who}, {when}"
OUTCOME_RECOMMISSION = "To be re-commissioned: decided by {who}, {when}"
OUTCOME_ENDS = "Ends on {end}: decided by {who}, {when}"
NOTHING_DUE = "Nothing ends and no returns fall due in the next 30 days."
DETAIL_LINES = 40

_DECISION_RULES = (EXTENSION_DECISION, DECISION_OVERDUE)
_PAYMENT_RULES = (PAYMENT_DUE, PAYMENT_OVERDUE)


def open_question(reference: str) -> str:
    return f"tell me about {reference}"


def _years(count: int) -> str:
    return plural(count, "year")


def _actions(entry: OutboxEntry) -> list[dict[str, Any]]:
    """The buttons for one alert, by who receives it."""
    if not entry.reference:
        return []
    if entry.audience == PROVIDER:
        if entry.rule in (RETURN_DUE, RETURN_OVERDUE):
            data = {"action": ACTION_START_RETURN, "reference": entry.reference}
            period = dict((str(a), str(b)) for a, b in entry.payload.get("details", [])).get("Period")
            if period:
                data["period"] = period
            return [submit(START_RETURN, data)]
        return []
    buttons = [ask_button(open_question(entry.reference), OPEN_AGREEMENT)]
    if entry.rule in _DECISION_RULES:
        options = [int(o) for o in entry.payload.get("options_left", []) if str(o).isdigit()] or [1]
        # The end date the alert is about (its due date) goes with every decision, so a press on
        # this card after the agreement has been extended is refused rather than extending again.
        decide: dict[str, Any] = {"action": ACTION_DECIDE, "reference": entry.reference}
        if entry.due is not None:
            decide["end"] = entry.due.isoformat()
        if entry.id:
            decide["id"] = entry.id
        choices = [
            execute(EXTEND_BY.format(years=_years(options[0])), {**decide, "decision": "extend", "years": options[0]}),
            execute(RECOMMISSION, {**decide, "decision": "recommission"}),
            execute(LET_END, {**decide, "decision": "end"}),
        ]
        buttons.append({"type": "Action.ShowCard", "title": DECIDE,
                        "card": {"type": "AdaptiveCard", "body": [], "actions": choices}})
    if entry.rule in _PAYMENT_RULES:
        buttons.append(_record_payment_form(entry))
    buttons.append(submit(SNOOZE, {"action": ACTION_SNOOZE, "reference": entry.reference, "rule": entry.rule}))
    return buttons


def _record_payment_form(entry: OutboxEntry) -> dict[str, Any]:
    """A small form on a payment alert: amount and date, sent back as a record-payment request.

    The instalment's due date goes with it, so a press on a card whose instalment is already
    paid is refused rather than paying twice.
    """
    inputs = [
        {"type": "Input.Text", "id": "amount", "label": AMOUNT_LABEL, "isRequired": True, "maxLength": 30},
        {"type": "Input.Text", "id": "paid", "label": PAID_LABEL, "maxLength": 30},
    ]
    data = {**payment_refresh_data(entry), "action": ACTION_RECORD_PAYMENT}
    send = execute(RECORD_PAYMENT_SEND, data)
    return {"type": "Action.ShowCard", "title": RECORD_PAYMENT,
            "card": {"type": "AdaptiveCard", "body": inputs, "actions": [send]}}


def refresh_data(entry: OutboxEntry) -> dict[str, Any]:
    """What Teams sends back when it refreshes a decision card: enough to find its decision and rebuild it."""
    data: dict[str, Any] = {"action": ACTION_REFRESH, "reference": entry.reference}
    if entry.due is not None:
        data["end"] = entry.due.isoformat()
    if entry.id:
        data["id"] = entry.id
    return data


def payment_refresh_data(entry: OutboxEntry) -> dict[str, Any]:
    """What Teams sends back when it refreshes a payment alert card: its instalment and its outbox item."""
    data: dict[str, Any] = {"action": ACTION_PAYMENT_REFRESH, "reference": entry.reference}
    if entry.due is not None:
        data["due"] = entry.due.isoformat()
    if entry.id:
        data["id"] = entry.id
    return data


def _detail_facts(entry: OutboxEntry, limit: int) -> list[dict[str, Any]]:
    lines = [(str(a), str(b)) for a, b in entry.payload.get("details", [])]
    if not lines:
        if entry.rule == WEEKLY_DIGEST:
            return [text(NOTHING_DUE)]
        return []
    shown = lines[:limit]
    elements: list[dict[str, Any]] = [facts([(shorten(a, 40), shorten(b, 200)) for a, b in shown])]
    if len(lines) > limit:
        elements.append(subtle(MORE_LINES.format(count=len(lines) - limit)))
    return elements


def _section(entry: OutboxEntry, limit: int, *, separator: bool) -> dict[str, Any]:
    title = TITLES.get(entry.rule, entry.rule.replace("_", " ").capitalize())
    if entry.reference:
        title = f"{title}: {entry.reference}"
    items = [heading(title), text(entry.payload.get("message", ""))]
    items += _detail_facts(entry, limit)
    actions = _actions(entry)
    if actions:
        items.append({"type": "ActionSet", "actions": actions})
    return container(items, separator=separator, spacing="Medium" if separator else "Default")


def render(entries: Sequence[OutboxEntry]) -> dict[str, Any]:
    """The card for one message: a ready-made card as it is, one alert, or the digest of several."""
    if len(entries) == 1 and isinstance(entries[0].payload.get("card"), Mapping):
        return dict(entries[0].payload["card"])
    if len(entries) == 1 and entries[0].rule == CARD_UPDATE:
        return updated_card(entries[0])
    if len(entries) > 1:
        return digest_card(entries)
    entry = entries[0]
    for limit in (DETAIL_LINES, 10, 3, 0):
        built = _single(entry, limit)
        if fits(built):
            return built
    return _single(entry, 0)


def _single(entry: OutboxEntry, limit: int) -> dict[str, Any]:
    section = _section(entry, limit, separator=False)
    built = card(section["items"], fallback_text=entry.payload.get("message", ""))
    if entry.rule in _DECISION_RULES and entry.reference and entry.audience != PROVIDER:
        # Universal Actions: whoever sees the card in the channel gets it as it stands now, so a
        # decision made by one person shows for everyone instead of the buttons.
        built["refresh"] = {"action": {"type": "Action.Execute", "verb": ACTION_REFRESH, "data": refresh_data(entry)}}
    if entry.rule in _PAYMENT_RULES and entry.reference and entry.audience != PROVIDER:
        built["refresh"] = {"action": {"type": "Action.Execute", "verb": ACTION_PAYMENT_REFRESH,
                                       "data": payment_refresh_data(entry)}}
    return built


def who_from(actor: str) -> str:
    """A person's name from their email ("grace.okafor@…" is Grace Okafor): the register keeps emails only."""
    local = actor.split("@", 1)[0]
    parts = [part for part in local.replace("_", ".").split(".") if part]
    if "@" in actor and len(parts) >= 2 and all(part.isalpha() for part in parts):
        return " ".join(part.capitalize() for part in parts)
    return actor or "someone"


def outcome_line(earlier: EarlierDecision) -> str:
    """ "Extended to 31 Mar 2028 by Grace Okafor, 3 Dec 2026": what was decided, by whom, when."""
    who = who_from(earlier.decided_by)
    when = day(london_day(earlier.decided_at))
    if earlier.decision == EXTEND:
        return OUTCOME_EXTENDED.format(end=day(earlier.current_end), who=who, when=when)
    if earlier.decision == RECOMMISSION_DECISION:
        return OUTCOME_RECOMMISSION.format(who=who, when=when)
    return OUTCOME_ENDS.format(end=day(earlier.for_end_date), who=who, when=when)


def outcome_card(reference: str, earlier: EarlierDecision, entry: OutboxEntry | None = None, *,
                 note: str = "") -> dict[str, Any]:
    """The decision card once decided: the outcome for everyone, no decision buttons left to press.

    It keeps its `refresh`, so a later view still shows the decision that stands; `note` tells
    the person whose press changed nothing why.
    """
    details = {str(a): str(b) for a, b in entry.payload.get("details", [])} if entry else {}
    body = [heading(DECIDED_HEADING.format(reference=reference))]
    if details.get("Title"):
        body.append(subtle(shorten(details["Title"], 200), spacing="None"))
    body.append(text(outcome_line(earlier), weight="Bolder", color="Good"))
    if note:
        body.append(text(note, color="Attention"))
    built = card(body, [ask_button(open_question(reference), OPEN_AGREEMENT)], fallback_text=outcome_line(earlier))
    refresh = refresh_data(entry) if entry else {"action": ACTION_REFRESH, "reference": reference}
    built["refresh"] = {"action": {"type": "Action.Execute", "verb": ACTION_REFRESH, "data": refresh}}
    return built


def updated_card(update: OutboxEntry) -> dict[str, Any]:
    """The card that replaces a posted decision card (`storage/posted_cards.py`): its outcome, as
    the card itself shows it once refreshed."""
    original = update.payload.get("original") or {}
    entry = replace(update, id=int(original.get("id") or 0), rule=str(original.get("rule") or update.rule),
                    payload=dict(original.get("payload") or {}))
    return outcome_card(update.reference, decision_from_json(update.payload["decision"]), entry)


def payment_outcome_line(standing: PaymentStanding) -> str:
    """ "£12,500 recorded as paid on 3 Dec 2026 by Grace Okafor": what was paid against the card's instalment."""
    amount, paid = format_money(standing.paid_amount), day(standing.paid_on)
    if not standing.recorded_by:  # from the payments file or list: nobody to name
        return OUTCOME_PAID_ELSEWHERE.format(amount=amount, paid=paid)
    return OUTCOME_PAID.format(amount=amount, paid=paid, who=who_from(standing.recorded_by))


def payment_outcome_card(standing: PaymentStanding, entry: OutboxEntry | None = None, *, note: str = "") -> dict[str, Any]:
    """The payment alert card once paid: the outcome for everyone, no form left to send again.

    It keeps its `refresh`, so a later view still shows what was recorded; `note` tells the person
    whose press changed nothing why.
    """
    reference = standing.reference
    details = {str(a): str(b) for a, b in entry.payload.get("details", [])} if entry else {}
    body = [heading(PAID_HEADING.format(reference=reference))]
    if details.get("Title"):
        body.append(subtle(shorten(details["Title"], 200), spacing="None"))
    body.append(text(payment_outcome_line(standing), weight="Bolder", color="Good"))
    if note:
        body.append(text(note, color="Attention"))
    built = card(body, [ask_button(open_question(reference), OPEN_AGREEMENT)], fallback_text=payment_outcome_line(standing))
    refresh = payment_refresh_data(entry) if entry else {"action": ACTION_PAYMENT_REFRESH, "reference": reference,
                                                           "due": standing.due.isoformat()}
    built["refresh"] = {"action": {"type": "Action.Execute", "verb": ACTION_PAYMENT_REFRESH, "data": refresh}}
    return built
