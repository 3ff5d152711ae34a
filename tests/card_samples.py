"""Answers and agreements built by hand for the card tests (unit and browser).

They stand in for the question engine's output: plain `Answer`, `Match` and `Agreement`
values, including hostile register text, so card tests need no parser or database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from domain.agreement import Agreement, Kpi
from domain.answers import Answer, Match, Period

TODAY = date(2026, 11, 22)
Q3 = Period(date(2026, 10, 1), date(2026, 12, 31), "Q3 2026/27")
INTERPRETATION = "Q3 2026/27: 1 Oct – 31 Dec 2026, grants, current end date"

HOSTILE_TITLE = "**bold** <at>Everyone</at> [click](http://evil) & co"
HOSTILE_PROVIDER = "_Evil_ # Provider <script>alert(1)</script>"
HOSTILE_NOTES = "1. not a list\n- nor this\n> nor a quote `code` ~~struck~~ | pipe {{DATE(2017-02-14T06:08:39Z, SHORT)}}"
# Ordinary register text that Markdown would touch: a hyphenated reference, brackets, `&`, `*`, `_`
# and a leading `1.` in a title, a leading `-` in a provider name, and a mention-like `<at>`.
LITERAL_REFERENCE = "GR-2024-015"
LITERAL_TITLE = "1. Women & Girls (WAGN) *priority* _new_ support_services <at>Everyone</at>"
LITERAL_PROVIDER = "- Safe & Sound (CIC) *"
LITERAL_TEXTS = (LITERAL_REFERENCE, LITERAL_TITLE, LITERAL_PROVIDER)

PROVIDERS = ("Safer London", "Victim Support", "Solace Women's Aid", "Refuge", "St Giles Trust")
AREAS = ("Southwark", "Lambeth", "Croydon", "Hackney", "pan-London")


def agreement(number: int = 14, **overrides: object) -> Agreement:
    """A realistic grant; `overrides` replace any field."""
    fields: dict[str, object] = {
        "reference": f"OPCC-2023-{number:03d}",
        "kind": "grant",
        "title": f"Independent Sexual Violence Advisers {number}",
        "provider": PROVIDERS[number % len(PROVIDERS)],
        "funding_stream": "Commissioner's Safety Fund",
        "project_code": f"CSF{number:04d}",
        "value": Decimal(100_000 + number * 1_000),
        "start_date": date(2023, 4, 1),
        "end_date": date(2026, 10, 1) + timedelta(days=number % 90),
        "extension_options": (1, 1),
        "area": AREAS[number % len(AREAS)],
        "category": "sexual violence",
        "contract_manager": "jo.bloggs@example.gov.uk",
        "contact_name": "Sam Patel",
        "contact_email": "sam.patel@example.org.uk",
        "kpis": (Kpi("referrals", Decimal(120)), Kpi("sessions", Decimal(300))),
        "signed": "both",
    }
    fields.update(overrides)
    return Agreement(**fields)  # type: ignore[arg-type]


def expiring_answer(count: int = 62, *, missing_values: int = 0, title: str | None = None, question: str = "which grants expire this quarter?") -> Answer:
    """A list answer: `count` grants ending in Q3, the first one already ended, one not started."""
    matches = []
    for number in range(1, count + 1):
        overrides: dict[str, object] = {}
        if title is not None:
            overrides["title"] = title
        if number <= missing_values:
            overrides["value"] = None
        matches.append(Match(agreement(number, **overrides), ended=number == 1, not_started=number == 2))
    return Answer(
        question=question,
        understood=True,
        intent="expiring",
        headline=f"{count} grants expire in Q3 2026/27",
        interpretation=INTERPRETATION,
        period=Q3,
        matches=tuple(matches),
        missing_values=missing_values,
    )


def short_answer() -> Answer:
    """Three matches: one ended, one not started, one with a data-quality problem and no value."""
    return Answer(
        question="what do we fund in Southwark?",
        understood=True,
        intent="list",
        headline="3 agreements in Southwark",
        interpretation="area Southwark, active agreements",
        matches=(
            Match(agreement(1, end_date=date(2026, 10, 15)), ended=True),
            Match(agreement(2, start_date=date(2027, 4, 1)), not_started=True),
            Match(agreement(3, value=None, contact_email="info@example.org"), problems=("generic contact email",)),
        ),
        missing_values=1,
    )


def empty_answer() -> Answer:
    return Answer(
        question="which partnerships expire in March?",
        understood=True,
        intent="expiring",
        headline="No partnerships expire in March 2027",
        interpretation="1 Mar – 31 Mar 2027, partnerships, current end date",
    )


def hostile_answer() -> Answer:
    """Register text written to look like Markdown, HTML and mentions, then ordinary text Markdown would touch."""
    bad = agreement(7, reference="OPCC-**7**", title=HOSTILE_TITLE, provider=HOSTILE_PROVIDER, notes=HOSTILE_NOTES)
    return Answer(
        question="[click](http://evil) <at>Everyone</at>",
        understood=True,
        intent="list",
        headline="1 agreement matches",
        interpretation="provider “<at>Everyone</at>”",
        matches=(Match(bad), Match(agreement(8, reference=LITERAL_REFERENCE, title=LITERAL_TITLE, provider=LITERAL_PROVIDER, notes=HOSTILE_NOTES))),
    )


def one_agreement_answer() -> Answer:
    """A question about one agreement, with an extension taken and problems flagged."""
    one = agreement(
        14,
        end_date=date(2026, 3, 31),
        extended_to=date(2027, 3, 31),
        contact_email="info@saferlondon.org.uk",
        signed="ours",
        notes="Year 2 extension agreed at panel, March 2026.",
    )
    return Answer(
        question="who is the contact for OPCC-2023-014?",
        understood=True,
        intent="contact",
        headline="Sam Patel (info@saferlondon.org.uk) is the contact for OPCC-2023-014",
        interpretation="agreement OPCC-2023-014",
        matches=(Match(one, problems=("Extension decision due by 30 Sep 2026",)),),
        about_one=True,
    )


def not_understood_answer() -> Answer:
    return Answer(
        question="what's the weather like?",
        understood=False,
        intent="unknown",
        headline="I didn't understand that question.",
        examples=(
            "which grants expire this quarter?",
            "what do we fund in Southwark?",
            "who is the contact for OPCC-2023-014?",
            "data quality problems",
        ),
    )


DIGEST_MIX = (  # (rule, how many, most urgent due in days from TODAY, spread in days): a first sweep.
    ("return_overdue", 40, -45, 38), ("expiry", 30, 5, 25), ("assessment_pending", 15, -12, 10),
    ("extension_decision", 10, 95, 25), ("decision_overdue", 6, 40, 20), ("notice_due", 4, 60, 30),
)
TITLES = ("Independent Sexual Violence Advisers", "Youth violence diversion", "Domestic abuse refuge places",
          "Victim and witness support hub", "Hate crime advocacy – Cymraeg and English")


def digest_entries(count: int | None = None, *, title_suffix: str = "") -> list:
    """Outbox items for one channel from one sweep: 105 alerts over six rules, in no useful order."""
    from datetime import UTC, datetime

    from storage.outbox import OutboxEntry

    entries = []
    for rule, how_many, first, spread in DIGEST_MIX:
        for n in range(how_many):
            number = len(entries)
            reference = f"OPCC-2024-{number:03d}"
            title = f"{TITLES[number % len(TITLES)]} – {AREAS[number % len(AREAS)]}{title_suffix}"
            entries.append(OutboxEntry(
                id=number + 1, idempotency_key=f"k{number}", rule=rule, reference=reference,
                due=TODAY + timedelta(days=first + (n * 7) % spread), audience="channel", recipient="channel",
                payload={"message": f"{title} ({reference}) needs attention.",
                         "details": [["Reference", reference], ["Title", title], ["Provider", PROVIDERS[number % 5]]]},
                created_at=datetime(2026, 11, 22, 7, 0, tzinfo=UTC),
            ))
    entries = entries[::-1]
    return entries if count is None else entries[:count]


def decision_entry() -> object:
    """The channel's alert asking for an extension decision on a "1+1" contract."""
    from datetime import UTC, datetime

    from storage.outbox import OutboxEntry

    message = ("Independent Sexual Violence Advisers (OPCC-2024-031) ends on 31 Mar 2027 and can still be extended "
               "(1+1 years left). Decide whether to extend, re-commission or let it end.")
    details = [["Reference", "OPCC-2024-031"], ["Title", "Independent Sexual Violence Advisers"],
               ["Provider", "Safe Harbour"], ["Ends", "31 Mar 2027"], ["Contract manager", "grace.okafor@mopac.example"]]
    return OutboxEntry(id=7, idempotency_key="k7", rule="extension_decision", reference="OPCC-2024-031",
                       due=date(2027, 3, 31), audience="channel", recipient="channel",
                       payload={"message": message, "details": details, "options_left": [1, 1]},
                       created_at=datetime(2026, 12, 3, 7, tzinfo=UTC))


BREAKDOWN_PROVIDERS = (
    "Victim Support", "Safer London", "Solace Women's Aid", "Refuge", "St Giles Trust", "Rape Crisis South London",
    "London Borough of Southwark", "Galop", "Hestia", "Standing Together Against Domestic Abuse", "Redthread",
    "Power the Fight", "Advance", "Women and Girls Network", "Latin American Women's Rights Service", "Imkaan",
    "Southall Black Sisters", "Respect",
)


def breakdown_answer(providers: tuple[str, ...] = BREAKDOWN_PROVIDERS, question: str = "total value per provider") -> Answer:
    """"Total value per provider": current agreements of 18 providers, one with a grant of no value."""
    from domain.query import Query, run_query

    register = []
    for index, provider in enumerate(providers):
        for copy in range(1 + index % 3):
            number = index * 3 + copy
            value = None if number == 4 else Decimal(2_400_000 - index * 110_000 + copy * 15_000)
            register.append(agreement(number, provider=provider, value=value, end_date=date(2027, 3, 31)))
    query = Query(question=question, intent="total", current_only=True, group_by="provider")
    return run_query(query, register, TODAY)


def sample_cards() -> dict[str, dict]:
    """One card of every type the bot sends, by name (the screenshot file names)."""
    from bot.cards import answer_card, help_card, welcome_card
    from bot.cards.alerts import outcome_card, render

    return {
        "answer-list": answer_card(expiring_answer(), today=TODAY),
        "answer-list-last-page": answer_card(expiring_answer(), page=4, today=TODAY),
        "answer-short": answer_card(short_answer(), today=TODAY),
        "answer-empty": answer_card(empty_answer(), today=TODAY),
        "answer-breakdown": answer_card(breakdown_answer(), today=TODAY),
        "answer-escaped": answer_card(hostile_answer(), today=TODAY),
        "agreement-escaped": answer_card(replace(hostile_answer(), matches=hostile_answer().matches[1:], about_one=True), today=TODAY),
        "agreement": answer_card(one_agreement_answer(), today=TODAY),
        "not-understood": answer_card(not_understood_answer(), today=TODAY),
        "welcome": welcome_card(),
        "help": help_card(),
        "help-staff": help_card(("which grants expire this quarter?", "what do we fund in Southwark?",
                                 "who is the contact for OPCC-2023-014?", "data quality problems"), staff=True),
        "digest": render(digest_entries()),
        "alert-decision": render([decision_entry()]),
        "alert-decided": outcome_card("OPCC-2024-031", decided(), decision_entry()),
        "alert-decided-stale": outcome_card("OPCC-2024-031", decided(), decision_entry(), note=(
            "Already decided: Grace Okafor chose to extend OPCC-2024-031 (it now ends on 31 Mar 2028) on 3 Dec 2026 "
            "at 10:12. Nothing has changed.")),
        **publication_cards(),
        **return_cards(),
    }


def submitted_return(state: str = "submitted") -> object:
    """Safe Harbour's Q2 return, submitted by Sam Patel; assessed by Grace Okafor when `state` says so."""
    from datetime import UTC, datetime

    from domain.monitoring import MonitoringPeriod
    from domain.returns import (
        CASE_STUDY,
        OUTCOMES,
        RAG,
        RISKS,
        SPEND_IN_PERIOD,
        SPEND_TO_DATE,
        MonitoringReturn,
        kpi_key,
        reason_key,
    )

    grant = agreement(14, provider="Safe Harbour", start_date=date(2026, 4, 1), end_date=date(2029, 3, 31),
                      value=Decimal(200_000), contact_email="sam.patel@safeharbour.org.uk")
    q1 = MonitoringPeriod("Q1 2026/27", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15))
    q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
    answers = {
        kpi_key("referrals"): "95", reason_key("referrals"): "Two advisers were off sick in August.",
        kpi_key("sessions"): "310", SPEND_IN_PERIOD: "25000.00", SPEND_TO_DATE: "50000.00", RAG: "Amber",
        RISKS: "Waiting list growing", OUTCOMES: "Clients reported feeling safer", CASE_STUDY: "",
    }
    previous = MonitoringReturn(1, grant, q1, "accepted", {kpi_key("referrals"): "110", kpi_key("sessions"): "290"})
    assessed = {}
    if state != "submitted":
        assessed = {"assessed_by": "grace.okafor@mopac.example", "assessed_at": datetime(2026, 12, 3, 10, 12, tzinfo=UTC),
                    "rating": "Approaching target", "assessment_comment": "Thank you: please tell us when the advisers are back."}
    return MonitoringReturn(
        2, grant, q2, state, answers, submitted_by="sam.patel@safeharbour.org.uk",
        submitted_at=datetime(2026, 10, 6, 9, tzinfo=UTC), previous=previous, **assessed,
    )


def return_cards() -> dict[str, dict]:
    """The return cards: the provider's summary (before and after Submit), the channel notice, the
    assessment form (fresh and refused), the decision, and a provider's welcome and what's due."""
    from dataclasses import replace

    from bot.cards import checkin

    ret = submitted_return()
    refused = checkin.assessment_card(
        ret, {"rating": "", "comment": "Please say when the advisers are back."},  # type: ignore[arg-type]
        {"rating": "Choose a rating: it is needed to accept or to query."},
    )
    from dialogs.provider_home import DueReturn
    from domain.monitoring import MonitoringPeriod

    mine = [agreement(14, provider="Safe Harbour"), agreement(31, provider="Safe Harbour", title="Domestic abuse outreach")]
    q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
    q1 = MonitoringPeriod("Q1 2026/27", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15))
    due = [DueReturn(mine[0], q1, "overdue"), DueReturn(mine[0], q2, "in_progress"), DueReturn(mine[1], q2, "due")]
    return {
        "welcome-provider": checkin.provider_welcome_card(["Safe Harbour"], mine, due),
        "whats-due": checkin.due_card(due),
        "return-submitted": checkin.submission_notification(ret),  # type: ignore[arg-type]
        "assessment-form": checkin.assessment_card(ret),  # type: ignore[arg-type]
        "assessment-form-refused": refused,
        "assessment-decided": checkin.assessed_card(submitted_return("accepted")),  # type: ignore[arg-type]
        "return-summary": checkin.summary_card(replace(ret, state="in_progress", submitted_by="", submitted_at=None)),  # type: ignore[type-var]
        "return-summary-decided": checkin.submitted_card(ret),  # type: ignore[arg-type]
    }


def publication_cards() -> dict[str, dict]:
    """"publish the register": written, and blocked by problems named by agreement."""
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from bot.cards.publication import publication_card
    from domain.agreement import Agreement
    from domain.publication import parse_quarter
    from publication.service import Outcome, build
    from publication.settings import Publisher

    publisher = Publisher("Mayor's Office for Policing and Crime", "GB-GOR-PC390", "360G-mopac-", "ocds-abc123",
                          "https://www.example.gov.uk/open-data/")
    now = datetime(2027, 1, 4, 9, tzinfo=ZoneInfo("Europe/London"))
    good = [Agreement(reference=f"LCPF-2025-{n:02d}", kind="grant" if n % 3 else "contract", title=f"Service {n}",
                      provider="Safer London", provider_id="GB-CHC-1129872", value=Decimal(15000 * n),
                      start_date=date(2025, 4, 1), end_date=date(2028, 3, 31), area="Southwark") for n in range(1, 13)]
    bad = good + [
        Agreement(reference="OPCC-2026-031", kind="grant", title="Outreach (ring 020 7946 0018)", provider="Safe Harbour",
                  value=Decimal(40000), start_date=date(2026, 4, 1), end_date=date(2027, 3, 31)),
        Agreement(reference="OPCC-2026-032", kind="grant", title="Advocacy", provider="Safe Harbour",
                  value=None, start_date=date(2026, 4, 1), end_date=date(2027, 3, 31)),
    ]
    quarter = parse_quarter("2026Q3")
    folder = Path("/srv/published")
    return {
        "publication-written": publication_card(Outcome(folder, publication=build(good, {}, quarter, publisher, now), written=True)),
        "publication-blocked": publication_card(Outcome(folder, publication=build(bad, {}, quarter, publisher, now))),
    }


def decided() -> object:
    """Grace Okafor's extension of OPCC-2024-031 by one year, on 3 Dec 2026."""
    from datetime import UTC, datetime

    from storage.alerts_repo import EarlierDecision

    return EarlierDecision("OPCC-2024-031", "extend", date(2027, 3, 31), "grace.okafor@mopac.example",
                           datetime(2026, 12, 3, 10, 12, tzinfo=UTC), date(2028, 3, 31))
