"""Cards for monitoring returns: the provider's summary, the channel notice, assessment, outcome.

Plain functions from a `MonitoringReturn` to Adaptive Card dicts (schema 1.5, 1.2 elements
plus Input.Text/Input.ChoiceSet on the assessment form). Everything a provider typed and
every register value is literal text (TextRuns), so staff see it exactly as typed and no text can become
markup or a mention. Buttons carry `{"action": ..., "return_id": ...}`; the server checks
every one against the stored return, never trusting the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.cards.alerts import who_from
from bot.cards.elements import BOLD, Part, card, container, execute, facts, heading, rich, size_in_bytes, submit, subtle, text
from bot.cards.provider_welcome import due_card, provider_welcome_card  # noqa: F401  (a provider's own cards, same card set)
from bot.cards.return_form import form_offer_card, return_form_card  # noqa: F401  (the one-card form, same card set)
from bot.cards.text import london_day, shorten
from dialogs.checkin_questions import answer_title, number
from dialogs.intents import (
    ASSESS_DECISION,
    ASSESS_REFRESH,
    ASSESS_RETURN,
    AWAITING_ACTION,
    CHANGE_ANSWER,
    NOTICE_REFRESH,
    RETURN_REFRESH,
    SAVE_RETURN,
    START_RETURN,
    SUBMIT_RETURN,
    submission_round,
)
from domain.monitoring import ACCEPTED, QUERIED
from domain.returns import (
    CASE_STUDY,
    OUTCOMES,
    RAG,
    RATINGS,
    RISKS,
    SAME_AS_LAST,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    MonitoringReturn,
    return_flags,
)
from domain.values import format_date, format_money

Card = dict[str, Any]
LONG_TEXT = 1500
# Returns on one page of the awaiting list; Previous / Next reach the rest.
AWAITING_PAGE = 10
# Submitted within this many days: marked "New" on the awaiting list.
NEW_DAYS = 7
ASSESSMENT_NOT_RECORDED = "Not recorded yet: see below for what to fix. Everything you entered is kept."
RAG_COLOURS = {"Red": "Attention", "Amber": "Warning", "Green": "Good"}


def summary_card(ret: MonitoringReturn) -> Card:
    """Every answer, for the provider to check, with Submit / Change an answer / Save for later.

    Submit is a Universal Action (with an `Action.Submit` fallback) and the card refreshes, so
    once the return is submitted, from this card or anywhere else, it shows who submitted it and
    when instead of the buttons. The buttons carry the submission round (when the return was
    last submitted), so a press on a card from before a query is refused, not a resubmission.
    """
    body = [
        heading(f"{ret.period.label} return \u2014 {ret.reference}"),
        subtle(f"{ret.agreement.title} \u00b7 due {format_date(ret.period.due)}"),
        facts(_answer_facts(ret)),
    ]
    flags = return_flags(ret)
    if flags:
        body.append(_flags_block(flags))
    ids = {"return_id": ret.id}
    actions = [
        execute("Submit", {"action": SUBMIT_RETURN, **ids, "round": submission_round(ret.submitted_at)}),
        submit("Change an answer", {"action": CHANGE_ANSWER, **ids}),
        submit("Save for later", {"action": SAVE_RETURN, **ids}),
    ]
    built = card(body, actions, fallback_text=f"{ret.period.label} return for {ret.reference}")
    built["refresh"] = summary_refresh(ret)
    return built


def summary_refresh(ret: MonitoringReturn) -> Card:
    """Teams asks for the summary card as it stands whenever someone views it (Universal Actions)."""
    data = {"action": RETURN_REFRESH, "return_id": ret.id, "round": submission_round(ret.submitted_at)}
    return {"action": {"type": "Action.Execute", "verb": RETURN_REFRESH, "data": data}}


def submitted_line(ret: MonitoringReturn) -> str:
    """ "Submitted by Amara Jones, 3 Dec 2026": who submitted the return and when (raw text)."""
    return f"Submitted by {submitter(ret)}"


def submitted_card(ret: MonitoringReturn, *, note: str = "") -> Card:
    """The summary card once submitted, for everyone who sees it: who submitted it and when, the
    answers as sent, and what became of it since; no Submit left to press.

    It keeps its `refresh`, so a later view still shows what stands; `note` tells the person whose
    press changed nothing why.
    """
    body = [
        heading(f"{ret.period.label} return \u2014 {ret.reference}"),
        subtle(f"{ret.agreement.title} \u00b7 due {format_date(ret.period.due)}", spacing="None"),
        text(submitted_line(ret), weight="Bolder", color="Good"),
    ]
    actions: list[Card] = []
    if ret.state in (ACCEPTED, QUERIED) and ret.assessed_by:
        body.append(text(assessed_line(ret), color="Good" if ret.state == ACCEPTED else "Warning", spacing="None"))
    if ret.state == QUERIED:
        body.append(text("Your contract manager queried it: change the answers that need it, then submit again."))
        actions.append(submit("Open my return", {"action": START_RETURN, "reference": ret.reference, "period": ret.period.label}))
    elif ret.state != ACCEPTED:
        body.append(subtle("Your contract manager will review it and tell you the outcome.", spacing="None"))
    if note:
        body.append(text(note, color="Attention"))
    body.append(facts(_answer_facts(ret)))
    built = card(body, actions, fallback_text=submitted_line(ret))
    built["refresh"] = summary_refresh(ret)
    return built


def submission_notification(ret: MonitoringReturn, *, posted_for: str | None = None) -> Card:
    """The contracts channel's notice of a submitted return: RAG, KPIs vs targets, spend, flags.

    It refreshes (Universal Actions), so once anyone assesses the return everyone in the channel
    sees the outcome in place of Assess. `posted_for` is the submission round the notice was posted
    for (when it is not the return's latest, the return has been submitted again since).
    """
    if posted_for is None:
        posted_for = submission_round(ret.submitted_at)
    body = [
        heading(f"Monitoring return submitted: {ret.reference}"),
        subtle(f"{ret.agreement.title} \u00b7 {ret.provider}"),
        facts(
            [
                ("Period", ret.period.label),
                ("RAG", ret.answers.get(RAG, "")),
                ("Submitted by", submitter(ret)),
            ]
            + _kpi_facts(ret)
            + _spend_facts(ret)
        ),
    ]
    _rag_colour(body, ret)
    flags = return_flags(ret)
    body.append(_flags_block(flags) if flags else subtle("No flags."))
    actions = []
    if posted_for != submission_round(ret.submitted_at):
        body.append(text(f"Submitted again on {_when(ret.submitted_at)}: assess it from the newer notice.", weight="Bolder"))
    elif ret.state in (ACCEPTED, QUERIED) and ret.assessed_by:
        body.append(text(assessed_line(ret), weight="Bolder", color="Good" if ret.state == ACCEPTED else "Warning"))
    else:
        actions.append(submit("Assess", {"action": ASSESS_RETURN, "return_id": ret.id}))
    built = card(body, actions, fallback_text=f"{ret.reference} {ret.period.label} return submitted")
    data = {"action": NOTICE_REFRESH, "return_id": ret.id, "round": posted_for}
    built["refresh"] = {"action": {"type": "Action.Execute", "verb": NOTICE_REFRESH, "data": data}}
    return built


def assessment_card(
    ret: MonitoringReturn, entered: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None
) -> Card:
    """The return against targets and the previous period, with rating, comment and Accept / Query on one form.

    `entered` fills the fields in again and `problems` says beside each what to fix, when the
    server refused a submit: nothing typed is lost. The buttons are Universal Actions (with
    `Action.Submit` fallbacks) and the card refreshes, so once anyone decides, everyone sees
    the decision instead of the form.
    """
    entered = entered or {}
    problems = problems or {}
    previous = ret.previous
    body = [
        heading(f"Assess {ret.period.label} return \u2014 {ret.reference}"),
        subtle(
            f"{ret.agreement.title} \u00b7 {ret.provider} \u00b7 submitted "
            f"{_when(ret.submitted_at)} by {submitter_name(ret)}"
        ),
        facts(_kpi_facts(ret, previous) + _spend_facts(ret) + _text_facts(ret)),
    ]
    if previous is not None:
        body.append(subtle(f"Previous period: {previous.period.label}, {previous.state}"))
    else:
        body.append(subtle("No previous return to compare with."))
    flags = return_flags(ret)
    if flags:
        body.append(_flags_block(flags))
    if problems:
        body.append(text(ASSESSMENT_NOT_RECORDED, weight="Bolder", color="Attention", separator=True))
    # Labels as text blocks, not `label` (1.3): mobile clients render 1.2. Nothing is checked in the
    # client either: the server checks the fields together and says what to fix.
    rating: Card = {
        "type": "Input.ChoiceSet",
        "id": "rating",
        "style": "expanded",
        "choices": [{"title": choice, "value": choice} for choice in RATINGS],
    }
    if entered.get("rating") in RATINGS:
        rating["value"] = entered["rating"]
    comment: Card = {"type": "Input.Text", "id": "comment", "isMultiline": True, "maxLength": 2000}
    if entered.get("comment"):
        comment["value"] = entered["comment"][:2000]
    body += [text("Rating (Procurement Act 2023 scale)", weight="Bolder"), rating]
    _problem(body, problems.get("rating"))
    body += [text("Comment for the provider (needed for a query)", weight="Bolder"), comment]
    _problem(body, problems.get("comment"))
    _problem(body, problems.get("decision"))
    # The round: a press on a form from before the return was queried and submitted again is
    # refused, so nobody accepts answers they have not seen.
    ids = {"action": ASSESS_DECISION, "return_id": ret.id, "round": submission_round(ret.submitted_at)}
    actions = [execute("Accept", {**ids, "decision": "accept"}), execute("Query", {**ids, "decision": "query"})]
    built = card(body, actions, fallback_text=f"Assess {ret.reference} {ret.period.label}")
    built["refresh"] = assessment_refresh(ret)
    return built


def assessment_refresh(ret: MonitoringReturn) -> Card:
    """Teams asks for the card as it stands whenever someone views it (Universal Actions)."""
    return {"action": {"type": "Action.Execute", "verb": ASSESS_REFRESH, "data": {"action": ASSESS_REFRESH, "return_id": ret.id}}}


def assessed_line(ret: MonitoringReturn) -> str:
    """ "Accepted by Grace Okafor, 3 Dec 2026, rated Good": what was decided, by whom, when (raw text)."""
    outcome = "Accepted" if ret.state == "accepted" else "Queried"
    line = f"{outcome} by {who_from(ret.assessed_by)}, {_when(ret.assessed_at)}"
    return f"{line}, rated {ret.rating}" if ret.rating else line


def assessed_card(ret: MonitoringReturn, *, note: str = "") -> Card:
    """The assessment card once decided, for everyone who sees it: the outcome, no buttons left to press.

    It keeps its `refresh`, so a later view still shows what stands; `note` tells the person whose
    press changed nothing why.
    """
    body = [
        heading(f"{ret.period.label} return \u2014 {ret.reference}"),
        subtle(f"{ret.agreement.title} \u00b7 {ret.provider}", spacing="None"),
        text(assessed_line(ret), weight="Bolder", color="Good" if ret.state == "accepted" else "Warning"),
    ]
    if ret.assessment_comment:
        body.append(facts([("Comment", shorten(ret.assessment_comment, LONG_TEXT))]))
    if ret.state not in ("accepted", "queried"):
        body.append(subtle(f"The return is now {ret.state.replace('_', ' ')}."))
    if note:
        body.append(text(note, color="Attention"))
    built = card(body, fallback_text=assessed_line(ret))
    built["refresh"] = assessment_refresh(ret)
    return built


def _problem(body: list[Card], problem: str | None) -> None:
    if problem:
        body.append(text(problem, color="Attention", spacing="None", size="Small"))


def awaiting_card(returns: list[MonitoringReturn], page: int = 0, today: date | None = None) -> Card:
    """One page of the returns waiting for assessment (oldest due first), each with its own Assess button.

    Every return can be reached: Previous / Next pages through them all. Returns submitted in the
    last `NEW_DAYS` days say "New", and the heading says how many are new.
    """
    total = len(returns)
    pages = max(1, -(-total // AWAITING_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = returns[page * AWAITING_PAGE:(page + 1) * AWAITING_PAGE]
    new = [r for r in returns if _is_new(r, today)]
    heading_text = f"Returns awaiting assessment: {total}"
    body: list[Card] = [heading(heading_text)]
    summary = "Oldest due first."
    if new:
        summary = f"{len(new)} newly submitted (in the last {NEW_DAYS} days). " + summary
    body.append(subtle(summary, spacing="None"))
    for ret in shown:
        badge: list[Part] = [" \u00b7 ", ("New", BOLD)] if _is_new(ret, today) else []
        body.append(
            container(
                [
                    rich([(ret.reference, BOLD), f" \u2014 {ret.period.label} \u2014 {ret.provider}", *badge]),
                    subtle(
                        f"Due {format_date(ret.period.due)} \u00b7 submitted {_when(ret.submitted_at)} \u00b7 "
                        f"RAG {ret.answers.get(RAG, '')}",
                        spacing="None",
                    ),
                    {"type": "ActionSet", "actions": [
                        submit(f"Assess {shorten(ret.reference, 30)} {shorten(ret.period.label, 12)}", {"action": ASSESS_RETURN, "return_id": ret.id})
                    ]},
                ],
                separator=True,
            )
        )
    actions = []
    if pages > 1:
        first, last = page * AWAITING_PAGE + 1, page * AWAITING_PAGE + len(shown)
        body.append(subtle(f"Showing {first}\u2013{last} of {total}.", spacing="Medium"))
        if page > 0:
            actions.append(submit("Previous", {"action": AWAITING_ACTION, "page": page - 1}))
        if page < pages - 1:
            actions.append(submit("Next", {"action": AWAITING_ACTION, "page": page + 1}))
    return card(body, actions, fallback_text=f"{total} returns awaiting assessment")


def _is_new(ret: MonitoringReturn, today: date | None) -> bool:
    return bool(today and ret.submitted_at and (today - london_day(ret.submitted_at)).days < NEW_DAYS)


def outcome_card(ret: MonitoringReturn) -> Card:
    """The provider's feedback: accepted with a rating, or queried with the comment."""
    accepted = ret.state == "accepted"
    headline = "accepted" if accepted else "queried"
    body = [
        heading(f"Your {ret.period.label} return for {ret.reference} was {headline}"),
        facts(
            [("Rating", ret.rating or "not given"), ("Assessed by", ret.assessed_by)]
            + ([("Comment", shorten(ret.assessment_comment, LONG_TEXT))] if ret.assessment_comment else [])
        ),
    ]
    actions = []
    if not accepted:
        body.append(text("Change the answers that need it, then submit again."))
        actions.append(
            submit("Open my return", {"action": START_RETURN, "reference": ret.reference, "period": ret.period.label})
        )
    return card(body, actions, fallback_text=f"{ret.reference} {ret.period.label} return {headline}")


def _answer_facts(ret: MonitoringReturn) -> list[tuple[str, str]]:
    pairs = []
    kpis = {kpi.name: kpi for kpi in ret.kpis}
    for question in ret.questions:
        if question.key == SAME_AS_LAST:
            continue
        value = ret.answers.get(question.key, "")
        if question.key.startswith("kpi:"):
            shown = _kpi_value(kpis[question.kpi])
        elif question.key in (SPEND_IN_PERIOD, SPEND_TO_DATE):
            shown = format_money(Decimal(value)) if value else ""
        else:
            shown = shorten(value, LONG_TEXT) if value else "none"
        pairs.append((answer_title(question), shown))
    return pairs


def _kpi_value(kpi: Any, previous: MonitoringReturn | None = None) -> str:
    if kpi.actual is None:
        return ""
    shown = f"{number(kpi.actual)} (target {number(kpi.target)}"
    shown += f", {kpi.percent}%)" if kpi.percent is not None else ")"
    if previous is not None:
        before = next((k for k in previous.kpis if k.name == kpi.name), None)
        if before is not None and before.actual is not None:
            shown += f" \u00b7 last period {number(before.actual)}"
    return shown


def _kpi_facts(ret: MonitoringReturn, previous: MonitoringReturn | None = None) -> list[tuple[str, str]]:
    pairs = []
    for kpi in ret.kpis:
        pairs.append((kpi.name, _kpi_value(kpi, previous)))
        if kpi.short and kpi.reason:
            pairs.append((f"Reason for {kpi.name}", shorten(kpi.reason, LONG_TEXT)))
    return pairs


def _spend_facts(ret: MonitoringReturn) -> list[tuple[str, str]]:
    pairs = [("Spend in period", format_money(ret.money(SPEND_IN_PERIOD)))]
    to_date = format_money(ret.money(SPEND_TO_DATE))
    check = ret.spend_check
    if check is not None and check.percent_of_profile is not None:
        against = "paid to date" if check.from_payments else "profile"
        to_date += f" ({check.percent_of_profile}% of the {format_money(check.expected_to_date)} {against})"
    elif check is not None and check.from_payments:
        to_date += " (nothing paid to the provider by the period end)"
    if ret.agreement.value is not None:
        to_date += f" of {format_money(ret.agreement.value)}"
    pairs.append(("Spend to date", to_date))
    if ret.answers.get(SPEND_EXPLANATION):
        pairs.append(("Spend explanation", shorten(ret.answers[SPEND_EXPLANATION], LONG_TEXT)))
    return pairs


def _text_facts(ret: MonitoringReturn) -> list[tuple[str, str]]:
    pairs = [("RAG", ret.answers.get(RAG, ""))]
    for key, title in ((RISKS, "Risks and issues"), (OUTCOMES, "Outcomes"), (CASE_STUDY, "Case study")):
        pairs.append((title, shorten(ret.answers.get(key, ""), LONG_TEXT) or "none"))
    return pairs


def _flags_block(flags: list[str]) -> Card:
    return container(
        [text("Needs attention", weight="Bolder", color="Attention")] + [text(f"\u2022 {flag}") for flag in flags],
        separator=True,
    )


def _rag_colour(body: list[Card], ret: MonitoringReturn) -> None:
    colour = RAG_COLOURS.get(ret.answers.get(RAG, ""))
    if colour:
        body.insert(2, text(f"Self-assessed {ret.answers[RAG]}", color=colour, weight="Bolder"))


def submitter(ret: MonitoringReturn) -> str:
    """ "Sam Patel, 6 Oct 2026": who pressed Submit and when (the register keeps emails only)."""
    if not ret.submitted_by:
        return "not yet submitted"
    return f"{submitter_name(ret)}, {_when(ret.submitted_at)}"


def submitter_name(ret: MonitoringReturn) -> str:
    """The register's name for the provider's contact when they submitted it, else a name read from the email."""
    contact = ret.agreement
    if contact.contact_name and contact.contact_email and ret.submitted_by.lower() == contact.contact_email.lower():
        return contact.contact_name
    return who_from(ret.submitted_by)


def _when(moment: datetime | None) -> str:
    """The day a return was submitted or assessed, as it was in London."""
    return format_date(london_day(moment)) if moment else "not yet"


def card_bytes(value: Card) -> int:
    return size_in_bytes(value)
