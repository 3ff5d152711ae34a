"""The publication's rules: which agreements belong to a quarter, the £10,000 list, maxExtentDate, places, personal data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.agreement import Agreement
from domain.alerts import PUBLICATION_DUE, SweepInput, alerts_due
from domain.geography import local_authority
from domain.publication import (
    AT_RISK,
    NO_RETURN,
    ON_TRACK,
    AcceptedReturn,
    ContactNames,
    QuarterNotUnderstood,
    belongs_to_quarter,
    last_completed_quarter,
    max_extent_date,
    over_threshold,
    parse_quarter,
    performance,
    personal_data,
    quarter_code,
    quarter_end_reminder_day,
)
from domain.returns import KpiActual

Q3 = parse_quarter("2026Q3")
GOOD_FRIDAY_2027 = date(2027, 3, 26)
EASTER_MONDAY_2027 = date(2027, 3, 29)


def agreement(**values: object) -> Agreement:
    base: dict[str, object] = dict(reference="R-1", kind="grant", title="Outreach", provider="Safe Harbour",
                                   value=Decimal("20000"), start_date=date(2026, 4, 1), end_date=date(2027, 3, 31))
    base.update(values)
    return Agreement(**base)  # type: ignore[arg-type]


def test_2026q3_is_october_to_december_2026() -> None:
    """Q3 of financial year 2026/27, whatever the spelling."""
    assert (Q3.start, Q3.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert parse_quarter(" 2026q3 ") == Q3 and parse_quarter("2026-Q3") == Q3
    assert quarter_code(Q3) == "2026Q3"
    assert quarter_code(parse_quarter("2026Q4")) == "2026Q4" and parse_quarter("2026Q4").end == date(2027, 3, 31)
    with pytest.raises(QuarterNotUnderstood):
        parse_quarter("2026-10")


def test_the_default_quarter_is_the_last_completed_one() -> None:
    """On 5 January 2027 that is Q3 2026/27; on 1 April 2027 it is Q4."""
    assert last_completed_quarter(date(2027, 1, 5)) == Q3
    assert quarter_code(last_completed_quarter(date(2027, 4, 1))) == "2026Q4"


@pytest.mark.parametrize(
    ("values", "belongs"),
    [
        ({}, True),
        ({"status": "draft"}, False),
        ({"status": "terminated"}, True),
        ({"end_date": date(2026, 9, 30)}, False),
        ({"end_date": date(2026, 10, 1)}, True),
        ({"end_date": date(2026, 9, 30), "extended_to": date(2027, 9, 30)}, True),
        ({"start_date": date(2026, 12, 31)}, True),
        ({"start_date": date(2027, 1, 1)}, False),
        ({"start_date": None, "award_date": date(2026, 12, 1)}, True),
        ({"start_date": None, "award_date": date(2027, 1, 2)}, False),
        ({"start_date": None, "award_date": None}, False),
        ({"end_date": None}, True),
    ],
)
def test_an_agreement_belongs_to_the_quarter_when_live_in_it_and_not_a_draft(values: dict[str, object], belongs: bool) -> None:
    """DESIGN.md: start ≤ quarter end and current end ≥ quarter start (or awarded by the end when no start)."""
    assert belongs_to_quarter(agreement(**values), Q3) is belongs


def test_the_transparency_threshold_is_over_10000_not_at_it() -> None:
    assert over_threshold(agreement(value=Decimal("10000.01")))
    assert not over_threshold(agreement(value=Decimal("10000")))
    assert not over_threshold(agreement(value=None))


def test_max_extent_date_adds_every_unused_option() -> None:
    """1+1 never used: two years on; 1+1 with one taken: one year on; no options: the current end."""
    assert max_extent_date(agreement(extension_options=(1, 1))) == date(2029, 3, 31)
    assert max_extent_date(agreement(extension_options=(1, 1), extended_to=date(2028, 3, 31))) == date(2029, 3, 31)
    assert max_extent_date(agreement()) == date(2027, 3, 31)
    assert max_extent_date(agreement(end_date=None)) is None


@pytest.mark.parametrize(
    ("area", "code"),
    [("Southwark", "E09000028"), ("London Borough of Lambeth", "E09000022"), ("LB Hammersmith & Fulham", "E09000013"),
     ("City of London", "E09000001"), ("Royal Borough of Kingston upon Thames", "E09000021"), ("Leicester City Council", "E06000016"),
     ("Rutland", "E06000017"), ("Leicestershire", "E10000018"), ("pan-London", None), ("force-wide", None), ("", None)],
)
def test_local_authorities_get_their_ons_code(area: str, code: str | None) -> None:
    found = local_authority(area)
    assert (found[1] if found else None) == code


def test_personal_data_is_found_in_published_text() -> None:
    """Emails, UK phone numbers and the register's contact names; ordinary text passes."""
    names = ContactNames(["Priya Shah", "Sam", "Lee Grant"])
    assert personal_data("Ring 020 7946 0018 today") == ["a phone number (020 7946 0018)"]
    assert personal_data("or +44 7700 900123")[0].startswith("a phone number")
    assert personal_data("mail info@x.org.uk") == ["an email address (info@x.org.uk)"]
    assert personal_data("Advice with priya  shah", names) == ["a contact name (Priya Shah)"]
    assert personal_data("Sam's project, Grantham, 2026-10-01, £125,000.00, GB-CHC-1129872", names) == []


def test_performance_is_at_risk_on_red_amber_a_missed_target_or_spend_off_profile() -> None:
    a = agreement(value=Decimal("400000"), start_date=date(2026, 4, 1), end_date=date(2030, 3, 31))

    def latest(rag: str = "Green", actual: str = "120", spend: str = "50000") -> AcceptedReturn:
        return AcceptedReturn("R-1", "Q2 2026/27", date(2026, 9, 30), rag, (KpiActual("referrals", Decimal(120), Decimal(actual)),), Decimal(spend))

    assert performance(a, None).status == NO_RETURN
    assert performance(a, latest()).status == ON_TRACK
    assert performance(a, latest(rag="Amber")).status == AT_RISK
    assert performance(a, latest(actual="90")).status == AT_RISK
    assert performance(a, latest(spend="10000")).status == AT_RISK
    assert performance(a, latest()).percent_of_profile == 100


def test_the_reminder_comes_on_the_first_working_day_after_a_quarter_ends() -> None:
    """Q3 ends on Thursday 31 Dec 2026: Friday 1 Jan is a bank holiday, so Monday 4 Jan; Q4 2026/27 waits for Easter."""
    holidays = {date(2027, 1, 1), GOOD_FRIDAY_2027, EASTER_MONDAY_2027}
    assert quarter_end_reminder_day(Q3, holidays) == date(2027, 1, 4)
    assert quarter_end_reminder_day(parse_quarter("2026Q4"), holidays) == date(2027, 4, 1)
    owed = alerts_due(SweepInput(agreements=[], bank_holidays=holidays, last_sweep=date(2026, 12, 31)), date(2027, 1, 4))
    reminders = [a for a in owed if a.rule == PUBLICATION_DUE]
    assert [(a.threshold, a.audience) for a in reminders] == [("2026Q3", "channel")]
    assert 'Say "publish the register" here' in reminders[0].message and "--quarter 2026Q3" in reminders[0].message
    # Once in the outbox it is not owed again; on the next day it is not owed at all.
    sent = {reminders[0].idempotency_key}
    assert not [a for a in alerts_due(SweepInput(agreements=[], sent_keys=sent, bank_holidays=holidays), date(2027, 1, 4))
                if a.rule == PUBLICATION_DUE]
    assert not [a for a in alerts_due(SweepInput(agreements=[], bank_holidays=holidays, last_sweep=date(2027, 1, 4)), date(2027, 1, 5))
                if a.rule == PUBLICATION_DUE]


def test_a_reminder_missed_while_the_service_was_down_is_caught_up() -> None:
    """Down from 31 Dec to 6 Jan: the sweep on 6 Jan still owes the Q3 reminder."""
    owed = alerts_due(SweepInput(agreements=[], bank_holidays={date(2027, 1, 1)}, last_sweep=date(2026, 12, 30)), date(2027, 1, 6))
    assert [a.threshold for a in owed if a.rule == PUBLICATION_DUE] == ["2026Q3"]
