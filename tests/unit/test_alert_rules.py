"""Deadline alert rules at awkward dates: only the latest threshold, catch-up, Easter, year end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.agreement import Agreement
from domain.alerts import (
    ASSESSMENT_PENDING,
    CHANNEL,
    CONTRACT_MANAGER,
    DATA_QUALITY,
    DECISION_OVERDUE,
    EXPIRY,
    EXTENSION_DECISION,
    NO_CONTRACT_MANAGER_NOTE,
    NOTICE_DUE,
    PROVIDER,
    RETURN_DUE,
    RETURN_OVERDUE,
    WEEKLY_DIGEST,
    Alert,
    AlertThresholds,
    Decision,
    ReturnRecord,
    Snooze,
    SweepInput,
    alerts_due,
    digest_day,
)

BANK_HOLIDAYS = frozenset({
    date(2026, 4, 3), date(2026, 4, 6), date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1),
})
# A Wednesday: no weekly rules unless a test asks for them.
WEDNESDAY = date(2026, 11, 18)


def agreement(reference: str = "OPCC-2023-014", **values: object) -> Agreement:
    fields: dict[str, object] = {
        "kind": "contract",
        "title": "ISVA service",
        "provider": "Safer Lives",
        "start_date": date(2023, 4, 1),
        "end_date": date(2027, 3, 31),
        "contract_manager": "Jo.Bloggs@opcc.example.gov.uk",
        "contact_email": "ann@saferlives.example.org",
        "monitoring": "none",
        "first_imported": date(2023, 4, 1),
    }
    fields.update(values)
    return Agreement(reference=reference, **fields)  # type: ignore[arg-type]


def sweep(*agreements: Agreement, today: date, **inputs: object) -> list[Alert]:
    inputs.setdefault("bank_holidays", BANK_HOLIDAYS)
    return alerts_due(SweepInput(agreements=agreements, **inputs), today)  # type: ignore[arg-type]


def rules(alerts: list[Alert]) -> list[tuple[str, str, str]]:
    return [(a.rule, a.reference, a.audience) for a in alerts]


def test_an_agreement_never_alerted_ending_in_20_days_gets_only_the_30_day_alert() -> None:
    """Not three alerts: the 180- and 90-day thresholds passed before anyone could be told."""
    today = WEDNESDAY
    alerts = sweep(agreement(end_date=today + timedelta(days=20)), today=today)
    expiry = [a for a in alerts if a.rule == EXPIRY]
    assert [(a.threshold, a.audience) for a in expiry] == [("30", CHANNEL), ("30", CONTRACT_MANAGER)]
    assert expiry[1].recipient == "jo.bloggs@opcc.example.gov.uk"
    assert "in 20 days" in expiry[0].message


def test_each_expiry_threshold_is_sent_once_and_then_the_next_one() -> None:
    """After the 90-day alert is in the outbox, nothing until 30 days, then the 30-day alert."""
    end = date(2027, 3, 31)
    a = agreement(end_date=end)
    first = [x for x in sweep(a, today=end - timedelta(days=85)) if x.rule == EXPIRY]
    assert {x.threshold for x in first} == {"90"}
    sent = frozenset(x.idempotency_key for x in first)
    assert [x for x in sweep(a, today=end - timedelta(days=40), sent_keys=sent) if x.rule == EXPIRY] == []
    later = [x for x in sweep(a, today=end - timedelta(days=30), sent_keys=sent) if x.rule == EXPIRY]
    assert {x.threshold for x in later} == {"30"}


def test_expiry_uses_the_current_end_date_after_an_extension() -> None:
    """Extended to 31 March 2028, an original end of March 2027 raises no alert in February 2027."""
    a = agreement(end_date=date(2027, 3, 31), extended_to=date(2028, 3, 31), extension_options=(1, 1))
    assert [x for x in sweep(a, today=date(2027, 2, 17)) if x.rule == EXPIRY] == []


def test_terminated_and_draft_agreements_never_alert() -> None:
    """Even ending tomorrow with options and overdue returns, they stay quiet."""
    today = WEDNESDAY
    for status in ("terminated", "draft"):
        a = agreement(status=status, end_date=today + timedelta(days=1), extension_options=(1,), kind="grant")
        assert sweep(a, today=today) == []


def test_an_agreement_that_has_ended_gets_no_expiry_alert() -> None:
    """Expiry alerts warn ahead; an end date in the past is a data-quality problem instead."""
    assert sweep(agreement(end_date=WEDNESDAY - timedelta(days=1)), today=WEDNESDAY) == []


def test_extension_decision_is_asked_once_within_120_days_while_options_remain() -> None:
    """1+1 with one year used still has an option; the channel is asked to decide."""
    end = date(2027, 3, 31)
    a = agreement(end_date=date(2026, 3, 31), extended_to=end, extension_options=(1, 1))
    alerts = sweep(a, today=end - timedelta(days=120))
    asked = [x for x in alerts if x.rule == EXTENSION_DECISION]
    assert [(x.audience, x.due) for x in asked] == [(CHANNEL, end)]
    assert "(1 year left)" in asked[0].message and "years left" not in asked[0].message
    assert [x for x in sweep(a, today=end - timedelta(days=121)) if x.rule == EXTENSION_DECISION] == []


def test_no_extension_decision_when_every_option_is_used() -> None:
    """`1` extended once has no options left: nothing to decide."""
    a = agreement(end_date=date(2026, 3, 31), extended_to=date(2027, 3, 31), extension_options=(1,))
    alerts = sweep(a, today=date(2027, 1, 6))
    assert not [x for x in alerts if x.rule in (EXTENSION_DECISION, DECISION_OVERDUE)]


def test_decision_overdue_repeats_every_sweep_day_until_a_decision_is_recorded() -> None:
    """Each day's reminder has its own key; a recorded decision stops them."""
    end = date(2027, 3, 31)
    a = agreement(end_date=end, extension_options=(1,))
    monday = [x for x in sweep(a, today=date(2027, 2, 1)) if x.rule == DECISION_OVERDUE]
    tuesday = [x for x in sweep(a, today=date(2027, 2, 2), sent_keys={x.idempotency_key for x in monday})
               if x.rule == DECISION_OVERDUE]
    assert [x.audience for x in monday] == [CHANNEL, CONTRACT_MANAGER]
    assert [x.audience for x in tuesday] == [CHANNEL, CONTRACT_MANAGER]
    assert {x.idempotency_key for x in monday}.isdisjoint({x.idempotency_key for x in tuesday})
    decided = Decision(a.reference, "recommission", end, "jo@opcc.example.gov.uk", date(2027, 2, 2))
    assert not [x for x in sweep(a, today=date(2027, 2, 3), decisions=[decided]) if x.rule == DECISION_OVERDUE]


def test_a_decision_about_an_earlier_end_date_does_not_count_for_the_new_one() -> None:
    """After extending, the new end date needs its own decision."""
    end = date(2028, 3, 31)
    a = agreement(end_date=date(2027, 3, 31), extended_to=end, extension_options=(1, 1))
    old = Decision(a.reference, "extend", date(2027, 3, 31), "jo", date(2027, 1, 5))
    alerts = sweep(a, today=date(2028, 2, 1), decisions=[old])
    assert DECISION_OVERDUE in {x.rule for x in alerts}


def test_notice_due_for_a_grant_three_months_before_its_end() -> None:
    """A grant ending 31 May 2027 with no decision to continue: notice from 28 February 2027."""
    a = agreement(kind="grant", end_date=date(2027, 5, 31))
    assert not [x for x in sweep(a, today=date(2027, 2, 27)) if x.rule == NOTICE_DUE]
    due = [x for x in sweep(a, today=date(2027, 2, 28)) if x.rule == NOTICE_DUE]
    assert [(x.audience, x.recipient) for x in due] == [(CONTRACT_MANAGER, "jo.bloggs@opcc.example.gov.uk")]
    assert "Tell Safer Lives now" in due[0].message


def test_notice_due_respects_a_leap_day() -> None:
    """A grant ending 29 May 2028 needs notice from 29 February 2028."""
    a = agreement(kind="grant", end_date=date(2028, 5, 29))
    assert not [x for x in sweep(a, today=date(2028, 2, 28)) if x.rule == NOTICE_DUE]
    assert [x for x in sweep(a, today=date(2028, 2, 29)) if x.rule == NOTICE_DUE]


def test_no_notice_due_once_the_grant_is_to_be_extended() -> None:
    """A decision to extend means funding continues; letting it end still needs notice."""
    a = agreement(kind="grant", end_date=date(2027, 5, 31))
    extend = Decision(a.reference, "extend", date(2027, 5, 31), "jo", date(2027, 2, 1))
    let_end = Decision(a.reference, "end", date(2027, 5, 31), "jo", date(2027, 2, 1))
    assert not [x for x in sweep(a, today=date(2027, 3, 2), decisions=[extend]) if x.rule == NOTICE_DUE]
    assert [x for x in sweep(a, today=date(2027, 3, 2), decisions=[let_end]) if x.rule == NOTICE_DUE]


def test_contract_manager_alerts_come_to_the_channel_when_none_is_recorded() -> None:
    """Nobody is left uninformed: the channel gets it with a note saying why."""
    a = agreement(kind="grant", end_date=date(2027, 5, 31), contract_manager="")
    due = [x for x in sweep(a, today=date(2027, 3, 1)) if x.rule == NOTICE_DUE]
    assert [x.audience for x in due] == [CHANNEL]
    assert ("Note", NO_CONTRACT_MANAGER_NOTE) in due[0].details


def monitored(**values: object) -> Agreement:
    values.setdefault("monitoring", "quarterly")
    values.setdefault("first_imported", date(2026, 7, 1))
    return agreement(**values)


def test_return_due_within_seven_days_goes_to_the_provider() -> None:
    """Q2 2026/27 (Jul-Sep) is due 15 October: the provider hears on 8 October, not on the 7th."""
    a = monitored()
    assert not [x for x in sweep(a, today=date(2026, 10, 7)) if x.rule == RETURN_DUE]
    due = [x for x in sweep(a, today=date(2026, 10, 8)) if x.rule == RETURN_DUE]
    assert [(x.audience, x.recipient, x.due) for x in due] == [(PROVIDER, "ann@saferlives.example.org", date(2026, 10, 15))]
    assert "Q2 2026/27" in due[0].message


def test_a_submitted_return_is_not_chased() -> None:
    """Once the provider has submitted, no due or overdue alerts for that period."""
    a = monitored()
    done = ReturnRecord(a.reference, date(2026, 7, 1), "submitted", submitted_on=date(2026, 10, 9))
    alerts = sweep(a, today=date(2026, 10, 20), returns=[done])
    assert not [x for x in alerts if x.rule in (RETURN_DUE, RETURN_OVERDUE)]


def test_return_overdue_tells_the_provider_the_day_after_and_the_channel_a_week_after() -> None:
    """Due 15 October: provider on the 16th, channel too on the 22nd."""
    a = monitored()
    day_after = [(x.audience, x.due) for x in sweep(a, today=date(2026, 10, 16)) if x.rule == RETURN_OVERDUE]
    assert day_after == [(PROVIDER, date(2026, 10, 15))]
    week = [x.audience for x in sweep(a, today=date(2026, 10, 22)) if x.rule == RETURN_OVERDUE]
    assert week == [PROVIDER, CHANNEL]


def test_loading_an_old_register_raises_no_flood_of_overdue_returns() -> None:
    """Monitoring starts when the agreement first reached the register, not in 2019."""
    a = monitored(start_date=date(2019, 4, 1), first_imported=date(2026, 11, 2))
    assert not [x for x in sweep(a, today=date(2026, 11, 18)) if x.rule in (RETURN_DUE, RETURN_OVERDUE)]


def test_assessment_pending_after_ten_working_days_over_christmas() -> None:
    """Submitted 24 Dec 2026: staff have until 12 Jan 2027; the alert comes on the 13th."""
    a = monitored()
    record = ReturnRecord(a.reference, date(2026, 7, 1), "submitted", submitted_on=date(2026, 12, 24))
    assert not [x for x in sweep(a, today=date(2027, 1, 12), returns=[record]) if x.rule == ASSESSMENT_PENDING]
    pending = [x for x in sweep(a, today=date(2027, 1, 13), returns=[record]) if x.rule == ASSESSMENT_PENDING]
    assert [(x.audience, x.due) for x in pending] == [(CONTRACT_MANAGER, date(2027, 1, 12))]


def test_an_assessed_return_is_not_pending() -> None:
    """Accepted or queried returns need nothing more from the contract manager."""
    a = monitored()
    record = ReturnRecord(a.reference, date(2026, 7, 1), "accepted", submitted_on=date(2026, 10, 1),
                          assessed_on=date(2026, 10, 5))
    assert not [x for x in sweep(a, today=date(2026, 11, 18), returns=[record]) if x.rule == ASSESSMENT_PENDING]


def test_snoozed_alerts_wait_until_the_snooze_ends_and_then_arrive() -> None:
    """Snoozing the 30-day expiry alert for 7 days holds it back, it is not lost."""
    today = WEDNESDAY
    a = agreement(end_date=today + timedelta(days=25))
    snooze = Snooze(a.reference, EXPIRY, today + timedelta(days=6))
    assert not [x for x in sweep(a, today=today, snoozes=[snooze]) if x.rule == EXPIRY]
    later = [x for x in sweep(a, today=today + timedelta(days=7), snoozes=[snooze]) if x.rule == EXPIRY]
    assert {x.threshold for x in later} == {"30"}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def no_end_date(a: Agreement, today: date) -> tuple[Problem, ...]:
    return (Problem("no_end_date", "No end date"),) if a.end_date is None else ()


def test_weekly_digest_and_data_quality_come_on_monday() -> None:
    """One digest and one register-check card on Monday; none on Tuesday."""
    monday = date(2026, 11, 23)
    register = [agreement(end_date=monday + timedelta(days=10)), agreement("OPCC-2024-001", end_date=None)]
    alerts = sweep(*register, today=monday, last_sweep=date(2026, 11, 20), quality=no_end_date)
    weekly = [x for x in alerts if x.rule in (WEEKLY_DIGEST, DATA_QUALITY)]
    assert [(x.rule, x.reference, x.audience, x.due) for x in weekly] == [
        (WEEKLY_DIGEST, "", CHANNEL, monday), (DATA_QUALITY, "", CHANNEL, monday),
    ]
    assert ("OPCC-2023-014", "ends 3 Dec 2026: ISVA service (Safer Lives)") in weekly[0].details
    assert weekly[1].details == (("OPCC-2024-001", "No end date"),)
    tuesday = sweep(*register, today=monday + timedelta(days=1), last_sweep=monday, quality=no_end_date)
    assert not [x for x in tuesday if x.rule in (WEEKLY_DIGEST, DATA_QUALITY)]


def test_a_long_weekly_digest_lists_the_first_lines_and_counts_the_rest() -> None:
    """150 agreements ending soon and 150 with a return long overdue: 200 lines, then "and 100 more"."""
    monday = date(2026, 11, 23)
    ending = [agreement(f"END-{n:03d}", end_date=monday + timedelta(days=1 + n % 20)) for n in range(150)]
    overdue = [
        agreement(f"RET-{n:03d}", monitoring="quarterly", start_date=date(2026, 4, 1), first_imported=date(2026, 4, 1))
        for n in range(150)
    ]
    alerts = sweep(*ending, *overdue, today=monday, last_sweep=date(2026, 11, 20))
    weekly = next(x for x in alerts if x.rule == WEEKLY_DIGEST)
    overdue_lines = [line for line in weekly.details if line[0].startswith("RET-")]
    total_overdue = 2 * 150  # the April–June and July–September returns of each
    assert len(weekly.details) == 201
    assert weekly.details[-1] == ("…", f"and {150 + total_overdue - 200} more")
    assert [line[0] for line in weekly.details[:150]] == sorted(
        (a.reference for a in ending), key=lambda r: (ending[int(r[4:])].end_date, r),
    )
    assert overdue_lines[0] == ("RET-000", "Q1 2026/27 return overdue since 15 Jul 2026 (Safer Lives)")
    assert len(overdue_lines) == 50
    assert weekly.message.startswith("This week: 150 agreements end and 0 monitoring returns fall due")


def test_easter_monday_digest_is_caught_up_on_tuesday() -> None:
    """No sweep on Good Friday or Easter Monday 2026; Tuesday 7 April sends Monday's digest."""
    assert digest_day(date(2026, 4, 2), date(2026, 4, 7)) == date(2026, 4, 6)
    alerts = sweep(agreement(), today=date(2026, 4, 7), last_sweep=date(2026, 4, 2))
    assert [(x.rule, x.due) for x in alerts if x.rule == WEEKLY_DIGEST] == [(WEEKLY_DIGEST, date(2026, 4, 6))]


def test_a_week_of_downtime_misses_nothing_and_sends_each_alert_once() -> None:
    """Down from Thursday 17 Dec to Tuesday 29 Dec 2026: thresholds crossed meanwhile still arrive."""
    last, today = date(2026, 12, 17), date(2026, 12, 29)
    crossed_in_downtime = agreement("A-30", end_date=date(2027, 1, 25))  # 30 days left on 26 Dec
    returns_overdue = monitored(reference="A-RET")  # Q3 return due 15 Jan; Q2 due 15 Oct
    alerts = sweep(crossed_in_downtime, returns_overdue, today=today, last_sweep=last)
    assert ("expiry", "A-30", CHANNEL) in rules(alerts)
    assert [x.due for x in alerts if x.rule == WEEKLY_DIGEST] == [date(2026, 12, 28)]
    keys = [x.idempotency_key for x in alerts]
    assert len(keys) == len(set(keys))
    again = sweep(crossed_in_downtime, returns_overdue, today=date(2026, 12, 30), last_sweep=today, sent_keys=set(keys))
    assert again == []


def test_year_end_keys_carry_the_due_date_so_next_years_alerts_are_new() -> None:
    """An agreement extended over new year gets fresh alerts for its new end date."""
    a = agreement(end_date=date(2027, 1, 15))
    first = sweep(a, today=date(2026, 12, 31))
    extended = agreement(end_date=date(2027, 1, 15), extended_to=date(2028, 1, 14))
    later = sweep(extended, today=date(2027, 12, 31), sent_keys={x.idempotency_key for x in first})
    assert {x.threshold for x in later if x.rule == EXPIRY} == {"30"}


def test_thresholds_are_configurable() -> None:
    """A team that wants 60 days' warning as well gets it."""
    today = WEDNESDAY
    a = agreement(end_date=today + timedelta(days=45))
    alerts = alerts_due(SweepInput(agreements=[a]), today, AlertThresholds(expiry_days=(180, 90, 60, 30)))
    assert {x.threshold for x in alerts if x.rule == EXPIRY} == {"60"}


def test_the_quick_first_look_never_skips_an_agreement_that_would_alert() -> None:
    """Skipping agreements `could_alert` rules out changes nothing, across 3,000 random agreements and days."""
    import random

    from domain.alerts import could_alert

    rng = random.Random(2026)
    for _ in range(3000):
        today = date(2026, 4, 1) + timedelta(days=rng.randint(0, 800))
        if today.weekday() == 0:
            continue  # Mondays look at every agreement for the digests
        start = today - timedelta(days=rng.randint(-100, 1500))
        a = agreement(
            start_date=start, end_date=start + timedelta(days=rng.randint(30, 2000)),
            extension_options=rng.choice(((), (1,), (1, 1), (2,))), kind=rng.choice(("contract", "grant")),
            monitoring=rng.choice(("none", "quarterly", "monthly", "biannual", "annual")),
            first_imported=today - timedelta(days=rng.randint(0, 500)),
        )
        # Register-wide reminders (the quarter-end publication) are about no agreement.
        owed = [x for x in sweep(a, today=today, last_sweep=today - timedelta(days=1)) if x.reference]
        if owed:
            assert could_alert(a.current_end_date, a.monitoring, a.start_date, a.first_imported, today), (a, today, owed)


def test_the_database_window_accepts_exactly_what_the_first_look_accepts() -> None:
    """`alert_window` (what the sweep asks the database for) and `could_alert` agree, day by day."""
    import random

    from domain.alerts import alert_window, could_alert

    rng = random.Random(11)
    for _ in range(4000):
        today = date(2026, 1, 1) + timedelta(days=rng.randint(0, 900))
        window = alert_window(today)
        end = rng.choice((None, today + timedelta(days=rng.randint(-400, 400))))
        monitoring = rng.choice(("none", "quarterly", "monthly", "biannual", "annual", "", "Annual", "weekly"))
        start = rng.choice((None, today - timedelta(days=rng.randint(-200, 800))))
        imported = rng.choice((None, today - timedelta(days=rng.randint(-50, 800))))
        ending = end is not None and window.end_from <= end <= window.end_until
        started_by = window.started_by.get(monitoring.lower())
        known = [day for day in (start, imported) if day is not None]
        started = started_by is not None and bool(known) and max(known) <= started_by
        assert could_alert(end, monitoring, start, imported, today) == (ending or started), (today, end, monitoring, start, imported)


def test_options_left_are_counted_in_good_english() -> None:
    """One option of one year is "1 year left"; two options read "1+1 years left"."""
    from domain.alerts import options_left_words

    assert options_left_words((1,)) == "1 year left"
    assert options_left_words((2,)) == "2 years left"
    assert options_left_words((1, 1)) == "1+1 years left"
