"""Monitoring returns for the demo register: a believable two quarters of contract management.

`commissioning-bot demo` counts its register as first loaded at the start of the financial
quarter two before today's (`first_loaded`), so by docs/questions.md's rule ("monitoring starts when
the register is loaded") at least one full quarter's return is owed and past due, and the
latest one is due or just in. `plan_returns` then decides, from `today` and `seed` alone,
what each provider has done about the returns it owes: most earlier returns sent in and
accepted, the latest ones a mix of submitted (awaiting assessment), drafts in progress and
not started, a couple queried back with a comment, a few services rated Red or Amber, KPI
actuals around their targets (with a reason when under 80%) and spend that follows the
agreement's value. Periods a plan leaves out are the returns nobody has started: due or
overdue.

The answers are found by asking the domain's own `questions_for` for the next question, the
way the check-in dialog does, so a planned return is always one the dialog could have
produced. Storage (`demo/seed.py`) writes the plan through the returns repository.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from domain.agreement import Agreement
from domain.monitoring import ACCEPTED, IN_PROGRESS, QUERIED, SUBMITTED, MonitoringPeriod, monitoring_periods
from domain.returns import (
    CASE_STUDY,
    NUMBER,
    OUTCOMES,
    RAG,
    RISKS,
    SAME_AS_LAST,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    MonitoringReturn,
    Question,
    copy_from_previous,
    expected_spend_to_date,
    next_question,
    normalise_answer,
    questions_for,
    reason_key,
)

NAMED = "OPCC-2023-014"  # the agreement people ask about by name: an accepted return, then a submitted one
SENT = (SUBMITTED, QUERIED, ACCEPTED)
QUERIED_COUNT = 2
RED_COUNT = 3
AMBER_COUNT = 6
SILENT_SHARE = 0.1  # providers who have not sent anything since the register was loaded
GOOD, APPROACHING, REQUIRES_IMPROVEMENT = "Good", "Approaching target", "Requires improvement"
STAFF_FALLBACK = "contracts@mopac.example"
PROVIDER_FALLBACK = "returns@provider.example"

SHORTFALL_REASONS = (
    "Two caseworker posts were vacant for most of the period; both are now filled.",
    "Police referrals dropped while the new referral pathway was set up.",
    "The service moved premises and was closed for three weeks.",
    "Fewer referrals than expected from partner agencies; we are meeting them to fix the pathway.",
    "Staff sickness reduced what the team could deliver this period.",
    "Several clients stopped engaging after first contact; we have added follow-up calls.",
)
SPEND_EXPLANATIONS = (
    "Recruitment delays left posts vacant; spend will catch up once the new staff start.",
    "Invoices for the venue and interpreters arrived late and will be paid next quarter.",
)
RISKS_REPORTED = (
    "The waiting list is growing: 23 people have waited more than four weeks.",
    "One counsellor is on long-term sick leave; cover is in place until March.",
    "The lease on our main office ends in the spring and a new site is not agreed yet.",
    "Demand is above what the team can meet; we may have to pause referrals for a few weeks.",
    "Interpreter costs are running above budget.",
    "The hospital trust is restructuring its safeguarding team, which may slow referrals.",
)
# category → (outcomes a provider reports, an anonymised case study)
OUTCOMES_BY_CATEGORY: dict[str, tuple[tuple[str, ...], str]] = {
    "domestic abuse": (
        ("Every high-risk case had a safety plan within two working days of referral.",
         "Joint working with police and housing meant faster moves to safe accommodation."),
        "A mother of two referred after a high-risk assessment moved to a refuge within a week; she now has a non-molestation order and a new tenancy.",
    ),
    "sexual violence": (
        ("Survivors reported sleeping better and fewer panic attacks by the end of counselling.",
         "Waiting times for a first appointment came down from three weeks to ten days."),
        "A survivor who had never spoken about the abuse finished twelve counselling sessions and has gone back to work.",
    ),
    "ISVA": (
        ("People we supported through court said they understood the process and felt listened to.",
         "Fewer clients withdrew from the criminal justice process than last year."),
        "A woman referred after a serious assault gave evidence by video link; the case ended in a conviction.",
    ),
    "victim and witness support": (
        ("Most victims were contacted within two working days of referral.",
         "Witnesses we supported said they felt prepared for court."),
        "An older man burgled twice in a month had his locks changed within 48 hours and was supported to give a statement.",
    ),
    "youth violence": (
        ("Young people we worked with stayed in education or training, and none were rearrested.",
         "More young people accepted support when it was offered in A&E."),
        "A 15-year-old at risk of exploitation was mentored weekly; he is back in school full time and has cut contact with the older group.",
    ),
    "restorative justice": (
        ("Every victim who took part said they would recommend restorative justice to others.",),
        "A shopkeeper met the young man who had robbed him; the young man wrote an apology and has not reoffended.",
    ),
    "modern slavery": (
        ("Everyone we supported was referred to the National Referral Mechanism or given advice on it.",),
        "A man forced to work in a car wash was helped into safe housing and is now receiving legal advice.",
    ),
    "hate crime": (
        ("More people reported hate incidents through our reporting centres than last year.",),
        "An older man targeted for his faith was helped to report it; police acted and the harassment stopped.",
    ),
    "reducing reoffending": (
        ("Most women who completed the programme have not reoffended so far.",),
        "A woman diverted from court completed the programme and has started a college course.",
    ),
}
GENERAL_OUTCOMES = (
    "Most people who finished support told us they felt safer and more in control.",
    "Residents' concerns raised at meetings were passed to ward panels and acted on.",
)
GENERAL_CASE_STUDY = "A resident who raised concerns about drug dealing near a school saw a joint patrol plan agreed within a month."
ACCEPT_COMMENTS = ("", "", "Thank you: a clear return.", "Good progress; keep an eye on the waiting list.")
QUERY_COMMENTS = (
    "Outputs are well below target: please explain what you are doing about it and resubmit with a recovery plan.",
    "Spend to date does not match your last invoice: please check the figure and resubmit.",
)


@dataclass(frozen=True)
class PlannedReturn:
    """One return the demo writes: its answers in the order given, and where it ends up.

    `outcome` is the stored state it is left in (in progress, submitted, queried or accepted);
    the moments say when it was started, submitted and assessed. With `same_as_last` the
    provider first copied last period's figures (`ReturnsRepository.use_previous_figures`).
    """

    reference: str
    period: MonitoringPeriod
    outcome: str
    answers: tuple[tuple[str, str], ...]  # typed one by one, after "same as last period" if chosen
    rag: str
    provider_actor: str
    staff_actor: str
    started_at: datetime
    submitted_at: datetime | None = None
    assessed_at: datetime | None = None
    rating: str = ""
    comment: str = ""
    same_as_last: bool = False  # the provider started from last period's figures


def first_loaded(today: date) -> date:
    """The first day of the financial quarter two before today's (1 Apr 2026 for 22 Nov 2026).

    From then to any `today`, one full quarter has ended and passed its due date, and the
    quarter just ended is due or recently in.
    """
    quarter_month = (today.month - 1) // 3 * 3 + 1
    months = today.year * 12 + quarter_month - 1 - 6
    return date(months // 12, months % 12 + 1, 1)


def plan_returns(agreements: Sequence[Agreement], today: date, seed: int = 2026) -> list[PlannedReturn]:
    """The returns the demo's providers have started, sent in and had assessed, oldest first per agreement.

    Only active agreements with KPIs and periods owed so far take part. The same agreements,
    `today` and `seed` always give the same plan.
    """
    rng = random.Random(f"demo-returns:{seed}:{today.isoformat()}")
    owed = [
        (agreement, periods)
        for agreement in sorted(agreements, key=lambda a: a.reference)
        if agreement.status == "active" and agreement.kpis
        for periods in [monitoring_periods(agreement, today)]
        if periods
    ]
    silent, ratings = _traits(owed, today, rng)
    plans: list[PlannedReturn] = []
    for agreement, periods in owed:
        if agreement.reference not in silent:
            plans.extend(_agreement_returns(agreement, periods, ratings[agreement.reference], today, rng))
    return _with_queries(plans, ratings, today, rng)


def _traits(
    owed: list[tuple[Agreement, list[MonitoringPeriod]]], today: date, rng: random.Random
) -> tuple[set[str], dict[str, str]]:
    """Which providers have sent nothing, and how each service rates itself lately.

    The silent ones owe a return already past its due date (so something is overdue on any
    day), and the Red and Amber ones have a period that has ended (so they have a rating).
    """
    late = [a.reference for a, periods in owed if a.reference != NAMED and periods[0].due < today]
    wanted = min(len(late), max(2, round(len(owed) * SILENT_SHARE)))
    silent = set(rng.sample(late, wanted))
    active = [a.reference for a, periods in owed if a.reference not in silent | {NAMED} and periods[0].end < today]
    rng.shuffle(active)
    ratings = {a.reference: "Green" for a, _ in owed}
    for reference in active[:RED_COUNT]:
        ratings[reference] = "Red"
    for reference in active[RED_COUNT : RED_COUNT + AMBER_COUNT]:
        ratings[reference] = "Amber"
    ratings[NAMED] = "Amber"
    return silent, ratings


def _agreement_returns(
    agreement: Agreement, periods: list[MonitoringPeriod], rating: str, today: date, rng: random.Random
) -> list[PlannedReturn]:
    """One agreement's returns, oldest first; each "same as last" only when nothing changed much."""
    plans: list[PlannedReturn] = []
    previous: MonitoringReturn | None = None  # the latest return sent in, as the dialog would load it
    spent = _profile(agreement, periods[0].start - timedelta(days=1)) * Decimal(str(round(rng.uniform(0.9, 1.0), 3)))
    ended = [period for period in periods if period.end < today]
    for period in periods:
        latest = bool(ended) and period == ended[-1]  # the period just ended (one ending today is still running)
        rag = rating if latest else _earlier_rag(rating, rng)
        outcome = _outcome(agreement, period, latest, rating, today, rng)
        share = _SAME_AS_LAST_SHARE.get(agreement.monitoring, 0.25)
        same = previous is not None and previous.answers.get(RAG) == rag and rng.random() < share
        copied = _copied(agreement, period, previous) if same else {}
        in_period = Decimal(copied[SPEND_IN_PERIOD]) if same else _spend_in_period(agreement, period, rag, rng)
        spent = _cap(agreement, spent + in_period)
        if outcome is None:
            continue
        answers = _answers(agreement, period, rag, in_period, spent, copied, previous is not None, rng)
        plan = _timed(agreement, period, outcome, answers, rag, today, rng, same_as_last=same)
        plans.append(plan)
        if plan.outcome in SENT:
            previous = MonitoringReturn(0, agreement, period, plan.outcome, {**copied, **dict(answers)})
    return plans


# How often a provider says "same as last period" when its rating has not changed.
_SAME_AS_LAST_SHARE = {"monthly": 0.6}


def _copied(agreement: Agreement, period: MonitoringPeriod, previous: MonitoringReturn | None) -> dict[str, str]:
    """The answers "same as last period" fills in, exactly as the check-in dialog copies them."""
    return copy_from_previous(MonitoringReturn(0, agreement, period, IN_PROGRESS, {}, previous=previous))


def _earlier_rag(rating: str, rng: random.Random) -> str:
    """Before its latest return a Red service was Amber; Amber ones were Amber or Green."""
    if rating == "Red":
        return "Amber"
    if rating == "Amber":
        return rng.choice(("Amber", "Green"))
    return "Amber" if rng.random() < 0.08 else "Green"


def _outcome(agreement: Agreement, period: MonitoringPeriod, latest: bool, rating: str, today: date, rng: random.Random) -> str | None:
    """Where this period's return stands; None when the provider has not started it."""
    if period.end >= today:
        return rng.choice((IN_PROGRESS, None))
    if agreement.reference == NAMED:
        return SUBMITTED if latest else ACCEPTED
    if latest:
        if rating == "Red":
            return SUBMITTED  # so the service shows as Red
        return rng.choices((SUBMITTED, ACCEPTED, IN_PROGRESS, None), weights=(40, 20, 15, 25))[0]
    return rng.choices((ACCEPTED, SUBMITTED, IN_PROGRESS, None), weights=(80, 8, 3, 9))[0]


# --- answers ---------------------------------------------------------------------------

def _answers(
    agreement: Agreement, period: MonitoringPeriod, rag: str, in_period: Decimal, to_date: Decimal,
    copied: dict[str, str], has_previous: bool, rng: random.Random,
) -> tuple[tuple[str, str], ...]:
    """The answers typed after any `copied` ones, in the dialog's order, normalised as it stores them."""
    short = rng.randrange(len(agreement.kpis))  # the KPI an Amber service is behind on
    outcomes, case_study = OUTCOMES_BY_CATEGORY.get(agreement.category, (GENERAL_OUTCOMES, GENERAL_CASE_STUDY))
    typed = {
        SAME_AS_LAST: "no",
        SPEND_IN_PERIOD: f"{in_period:.2f}",
        SPEND_TO_DATE: f"{max(to_date, in_period):.2f}",
        SPEND_EXPLANATION: rng.choice(SPEND_EXPLANATIONS),
        RAG: rag,
        RISKS: rng.choice(RISKS_REPORTED) if rag != "Green" or rng.random() < 0.2 else "none",
        OUTCOMES: rng.choice(outcomes),
        CASE_STUDY: case_study if rng.random() < 0.4 else "skip",
    }
    answers = dict(copied)
    while (question := next_question(questions_for(agreement, period, answers, has_previous=has_previous), answers)) is not None:
        raw = _typed(question, typed, rag, short, agreement, rng)
        answers[question.key] = normalise_answer(question, raw, answers)
    return tuple((key, value) for key, value in answers.items() if key not in copied)


def _typed(question: Question, typed: dict[str, str], rag: str, short: int, agreement: Agreement, rng: random.Random) -> str:
    """What the provider types for `question`."""
    if question.kind == NUMBER and question.target is not None:
        behind = rag == "Red" or (rag == "Amber" and agreement.kpis[short].name == question.kpi)
        low, high = {"Red": (0.45, 0.78), "Amber": (0.85, 1.05)}.get(rag, (0.92, 1.2))
        if behind and rag == "Amber":
            low, high = 0.7, 0.86
        return str(max(0, round(float(question.target) * rng.uniform(low, high))))
    if question.key == reason_key(question.kpi):
        return rng.choice(SHORTFALL_REASONS)
    return typed[question.key]


def _profile(agreement: Agreement, day: date) -> Decimal:
    """Spend a straight-line profile expects by `day`; a three-year term when dates are missing."""
    expected = expected_spend_to_date(agreement, day)
    if expected is not None:
        return expected
    value = agreement.value or Decimal(0)
    return (value / 3 / 2).quantize(Decimal("0.01"))


def _spend_in_period(agreement: Agreement, period: MonitoringPeriod, rag: str, rng: random.Random) -> Decimal:
    expected = _profile(agreement, period.end) - _profile(agreement, period.start - timedelta(days=1))
    if expected <= 0 and agreement.value:
        expected = agreement.value * Decimal((period.end - period.start).days + 1) / Decimal(365 * 3)
    low, high = {"Red": (0.5, 0.85), "Amber": (0.8, 1.0)}.get(rag, (0.93, 1.05))
    return (expected * Decimal(str(round(rng.uniform(low, high), 3))) / 10).quantize(Decimal(1)) * 10


def _cap(agreement: Agreement, spent: Decimal) -> Decimal:
    """Spend to date never above the agreement value (that would be a flag the demo did not mean)."""
    spent = spent.quantize(Decimal(1))
    return min(spent, agreement.value) if agreement.value is not None else spent


# --- when things happened --------------------------------------------------------------

def _timed(
    agreement: Agreement, period: MonitoringPeriod, outcome: str, answers: tuple[tuple[str, str], ...],
    rag: str, today: date, rng: random.Random, *, same_as_last: bool = False,
) -> PlannedReturn:
    """The return with believable moments: sent in around its due date, assessed a week or two later."""
    first = min(period.end + timedelta(days=1), today)
    on_time = rng.random() < 0.8
    last = min(period.due - timedelta(days=1), today) if on_time else today
    started = _day_between(first, max(first, last), rng)
    plan = PlannedReturn(
        reference=agreement.reference, period=period, outcome=outcome, answers=answers, rag=rag,
        provider_actor=agreement.contact_email or PROVIDER_FALLBACK,
        staff_actor=agreement.contract_manager or STAFF_FALLBACK,
        started_at=_moment(started, rng), same_as_last=same_as_last,
    )
    if outcome == IN_PROGRESS:
        return replace(plan, answers=answers[: rng.randint(1, max(1, len(answers) - 2))])
    submitted = plan.started_at + timedelta(minutes=rng.randint(15, 90))
    plan = replace(plan, submitted_at=submitted)
    if outcome == SUBMITTED:
        return plan
    assessed_day = submitted.date() + timedelta(days=rng.randint(2, 15))
    if assessed_day > today:
        return replace(plan, outcome=SUBMITTED)  # too recent to have been assessed yet
    rating = GOOD if rag == "Green" else APPROACHING
    return replace(plan, assessed_at=_moment(assessed_day, rng), rating=rating, comment=rng.choice(ACCEPT_COMMENTS))


def _with_queries(plans: list[PlannedReturn], ratings: dict[str, str], today: date, rng: random.Random) -> list[PlannedReturn]:
    """Two sent returns, from services that are struggling where possible, queried back with a comment."""
    candidates = [
        index for index, plan in enumerate(plans)
        if plan.outcome in (SUBMITTED, ACCEPTED) and plan.reference != NAMED and plan.submitted_at is not None
        and plan.submitted_at.date() + timedelta(days=2) <= today
    ]
    rng.shuffle(candidates)
    candidates.sort(key=lambda index: (plans[index].rag == "Green", ratings[plans[index].reference] == "Green"))
    chosen: list[int] = []
    for index in candidates:
        if len(chosen) < QUERIED_COUNT and all(plans[i].reference != plans[index].reference for i in chosen):
            chosen.append(index)
    result = list(plans)
    for index in chosen:
        plan = plans[index]
        short = any(key.startswith(reason_key("")) for key, _ in plan.answers)
        assert plan.submitted_at is not None
        days = min(rng.randint(2, 10), (today - plan.submitted_at.date()).days)
        result[index] = replace(
            plan, outcome=QUERIED, rating=REQUIRES_IMPROVEMENT, comment=QUERY_COMMENTS[0 if short else 1],
            assessed_at=_moment(plan.submitted_at.date() + timedelta(days=days), rng),
        )
    return result


def _day_between(first: date, last: date, rng: random.Random) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _moment(day: date, rng: random.Random) -> datetime:
    """A working-hours moment on `day` (UTC)."""
    return datetime.combine(day, time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=UTC)
