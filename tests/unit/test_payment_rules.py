"""Payment rules at awkward dates: bank holidays, the financial year end, part payments, generated schedules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.agreement import Agreement
from domain.alerts import CHANNEL, CONTRACT_MANAGER, NO_CONTRACT_MANAGER_NOTE, PROVIDER
from domain.payment_alerts import (
    PAYMENT_DIGEST,
    PAYMENT_DUE,
    PAYMENT_OVERDUE,
    PaymentSweep,
    payment_alerts,
    payment_recorded,
)
from domain.payments import (
    DUE,
    OVERDUE,
    PAID,
    PAID_LATE,
    PART_PAID,
    UPCOMING,
    Instalment,
    apply_payment,
    behind_on_payments,
    committed_unpaid,
    committed_unpaid_by,
    generated_schedule,
    next_unpaid,
    overdue_from,
    starts_late,
    status,
)

HOLIDAYS = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)})


def grant(reference: str = "GR-2025-016", **values: object) -> Agreement:
    fields: dict[str, object] = {
        "kind": "grant", "title": "Safer London youth work", "provider": "Safer London", "value": Decimal("50000"),
        "start_date": date(2026, 4, 1), "end_date": date(2027, 3, 31), "contract_manager": "amira@mopac.example",
        "contact_email": "finance@saferlondon.example", "funding_stream": "Violence Reduction Unit",
    }
    fields.update(values)
    return Agreement(reference=reference, **fields)  # type: ignore[arg-type]


def instalment(due: date, amount: str = "12500", **values: object) -> Instalment:
    return Instalment("GR-2025-016", int(str(values.pop("number", 1))), due, Decimal(amount), **values)  # type: ignore[arg-type]


def test_an_instalment_due_on_christmas_eve_is_overdue_only_after_five_working_days() -> None:
    """Christmas, Boxing Day (observed) and New Year's Day do not count towards the five days."""
    christmas_eve = instalment(date(2026, 12, 24))
    assert overdue_from(christmas_eve, HOLIDAYS) == date(2027, 1, 5)
    assert status(christmas_eve, date(2027, 1, 5), HOLIDAYS) == DUE
    assert status(christmas_eve, date(2027, 1, 6), HOLIDAYS) == OVERDUE


def test_paid_after_the_grace_is_kept_as_paid_late_and_within_it_as_paid() -> None:
    """Lateness is fixed by the paid date, not by when someone looks."""
    due = date(2027, 3, 24)  # the last week of the financial year, with Easter in it
    on_time = instalment(due, paid_on=date(2027, 4, 2), paid_amount=Decimal("12500"))
    late = instalment(due, paid_on=date(2027, 4, 5), paid_amount=Decimal("12500"))
    assert overdue_from(on_time, HOLIDAYS) == date(2027, 4, 2)  # across the year end, Easter not counted
    assert status(on_time, date(2027, 6, 1), HOLIDAYS) == PAID
    assert status(late, date(2027, 6, 1), HOLIDAYS) == PAID_LATE


def test_a_part_payment_stays_part_paid_then_turns_overdue_with_what_is_left() -> None:
    """£5,000 of £12,500 paid: part paid until the grace ends, then overdue with £7,500 outstanding."""
    part = instalment(date(2026, 12, 1), paid_on=date(2026, 12, 1), paid_amount=Decimal("5000"))
    assert status(part, date(2026, 12, 2), HOLIDAYS) == PART_PAID
    assert status(part, date(2026, 12, 9), HOLIDAYS) == OVERDUE
    assert part.outstanding == Decimal("7500")
    assert behind_on_payments([part], date(2026, 12, 9), HOLIDAYS)
    assert status(instalment(date(2027, 1, 4)), date(2026, 12, 9), HOLIDAYS) == UPCOMING


def test_a_payment_fills_the_earliest_instalments_and_overflows_into_the_next() -> None:
    """£20,000 against two £12,500 instalments pays the first and part-pays the second."""
    schedule = [instalment(date(2026, 4, 1), number=1), instalment(date(2026, 7, 1), number=2)]
    applied = apply_payment(schedule, Decimal("20000"), date(2026, 7, 3), "BACS-77")
    first, second = applied.schedule
    assert (first.paid_amount, second.paid_amount) == (Decimal("12500"), Decimal("7500"))
    assert [i.number for i in applied.changed] == [1, 2]
    assert next_unpaid(applied.schedule) == second
    assert committed_unpaid(applied.schedule) == Decimal("5000")


def test_a_quarterly_in_advance_profile_splits_the_value_and_marks_itself_generated() -> None:
    """£50,000 over a year: four instalments on 1 Apr, 1 Jul, 1 Oct and 1 Jan; odd pence on the last."""
    made = generated_schedule(grant(value=Decimal("50000.01")), "quarterly-in-advance")
    assert [i.due for i in made] == [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 1)]
    assert [i.amount for i in made] == [Decimal("12500.00")] * 3 + [Decimal("12500.01")]
    assert all(i.generated for i in made)
    arrears = generated_schedule(grant(), "quarterly-in-arrears")
    assert [i.due for i in arrears][-1] == date(2027, 3, 31)
    assert generated_schedule(grant(value=None), "quarterly-in-advance") == ()


def test_outstanding_money_groups_by_stream_and_by_financial_quarter_across_the_year_end() -> None:
    """Instalments due in March and April land in Q4 2026/27 and Q1 2027/28."""
    schedule = [instalment(date(2027, 3, 31), number=1), instalment(date(2027, 4, 1), number=2, amount="1000")]
    by_quarter = committed_unpaid_by(schedule, {"GR-2025-016": grant()}, "quarter")
    assert by_quarter == {"Q4 2026/27": Decimal("12500"), "Q1 2027/28": Decimal("1000")}
    assert committed_unpaid_by(schedule, {"GR-2025-016": grant()}, "stream") == {"Violence Reduction Unit": Decimal("13500")}


def test_funding_first_due_weeks_after_the_service_starts_is_flagged() -> None:
    """A service starting 1 April whose first money is due 1 June starts before its funding."""
    assert starts_late(grant(), [instalment(date(2026, 6, 1))], HOLIDAYS)
    assert not starts_late(grant(), [instalment(date(2026, 4, 7))], HOLIDAYS)


def test_payment_alerts_remind_the_manager_then_chase_and_then_tell_the_channel() -> None:
    """Due in 5 working days → manager; 5 working days late → manager; 10 → channel too; once each."""
    agreement = grant()
    schedule = {"GR-2025-016": (instalment(date(2026, 12, 24)),)}
    sweep = PaymentSweep(schedules=schedule, bank_holidays=HOLIDAYS)
    assert [(a.rule, a.audience) for a in payment_alerts([agreement], sweep, date(2026, 12, 17))] == [(PAYMENT_DUE, CONTRACT_MANAGER)]
    assert payment_alerts([agreement], sweep, date(2026, 12, 16)) == []
    assert payment_alerts([agreement], sweep, date(2027, 1, 5)) == []
    late = payment_alerts([agreement], sweep, date(2027, 1, 6))
    assert [(a.rule, a.audience, a.recipient) for a in late] == [(PAYMENT_OVERDUE, CONTRACT_MANAGER, "amira@mopac.example")]
    later = payment_alerts([agreement], PaymentSweep(schedules=schedule, bank_holidays=HOLIDAYS,
                                                    sent_keys={late[0].idempotency_key}), date(2027, 1, 13))
    assert [(a.rule, a.audience) for a in later] == [(PAYMENT_OVERDUE, CHANNEL)]
    assert "Safer London is still waiting for £12,500" in later[0].message


def test_without_a_contract_manager_the_reminder_comes_to_the_channel_saying_why() -> None:
    """Nobody is left out because a cell is empty."""
    alerts = payment_alerts([grant(contract_manager="")], PaymentSweep(
        schedules={"GR-2025-016": (instalment(date(2026, 12, 24)),)}, bank_holidays=HOLIDAYS), date(2026, 12, 18))
    assert [(a.audience, dict(a.details).get("Note")) for a in alerts] == [(CHANNEL, NO_CONTRACT_MANAGER_NOTE)]


def test_the_monday_digest_lists_overdue_and_coming_payments() -> None:
    """One channel line per instalment, overdue first."""
    schedule = {"GR-2025-016": (instalment(date(2026, 11, 2), number=1), instalment(date(2026, 12, 1), number=2))}
    alerts = payment_alerts([grant()], PaymentSweep(schedules=schedule, bank_holidays=HOLIDAYS,
                                                    last_sweep=date(2026, 11, 20)), date(2026, 11, 23))
    digest = next(a for a in alerts if a.rule == PAYMENT_DIGEST)
    assert digest.message == "Payments: 1 overdue (£12,500) and 1 due in the next 30 days (£12,500)."
    assert [line for _, line in digest.details][0].startswith("overdue since 2 Nov 2026")


def test_a_long_payments_digest_shows_the_earliest_lines_and_counts_every_instalment() -> None:
    """A first sweep can owe thousands of lines: the card lists the earliest 200, overdue first,
    says how many more there are, and the headline counts and totals all of them."""
    grants, schedules = [], {}
    for n in range(150):  # 150 agreements, each one instalment overdue and one due this month
        reference = f"GR-2025-{n:03d}"
        grants.append(grant(reference))
        schedules[reference] = (
            Instalment(reference, 1, date(2026, 10, 1 + n % 30), Decimal("1000")),
            Instalment(reference, 2, date(2026, 12, 1 + n % 20), Decimal("500.50"), paid_amount=Decimal("0.50")),
        )
    alerts = payment_alerts(list(reversed(grants)), PaymentSweep(schedules=schedules, bank_holidays=HOLIDAYS,
                                                                 last_sweep=date(2026, 11, 20)), date(2026, 11, 23))
    digest = next(a for a in alerts if a.rule == PAYMENT_DIGEST)
    assert digest.message == "Payments: 150 overdue (£150,000) and 150 due in the next 30 days (£75,000)."
    lines = [line for _, line in digest.details]
    assert len(lines) == 201 and digest.details[-1] == ("…", "and 100 more")
    assert all(line.startswith("overdue since") for line in lines[:150])
    assert lines[0] == "overdue since 1 Oct 2026: £1,000 to Safer London"
    assert digest.details[0][0] == "GR-2025-000" and digest.details[1][0] == "GR-2025-030"  # by due date, then reference
    assert lines[150] == "due 1 Dec 2026: £500 to Safer London" and digest.details[150][0] == "GR-2025-000"


def test_a_recorded_payment_tells_only_that_agreements_provider_what_comes_next() -> None:
    """The notice goes to the provider's own contact, with the next instalment."""
    schedule = [instalment(date(2026, 4, 1), number=1), instalment(date(2026, 7, 1), number=2)]
    applied = apply_payment(schedule, Decimal("12500"), date(2026, 4, 2))
    notice = payment_recorded(grant(), applied.changed, applied.schedule, Decimal("12500"), date(2026, 4, 2))
    assert notice is not None
    assert (notice.audience, notice.recipient) == (PROVIDER, "finance@saferlondon.example")
    assert notice.message.endswith("Your next payment, £12,500, is due on 1 Jul 2026.")
    assert payment_recorded(grant(contact_email=""), applied.changed, applied.schedule, Decimal("1"), date(2026, 4, 2)) is None


def test_spend_is_judged_against_the_money_actually_paid_when_payments_exist() -> None:
    """£10,000 spent of £12,500 received is on profile, though a straight line expected £25,000."""
    from domain.monitoring import period_containing
    from domain.payments import paid_to
    from domain.returns import check_spend

    agreement = grant()
    q2 = period_containing(date(2026, 8, 1), "quarterly")
    assert q2 is not None
    paid = paid_to([instalment(date(2026, 4, 1), paid_on=date(2026, 6, 20), paid_amount=Decimal("12500"))], q2.end)
    assert check_spend(agreement, q2, Decimal("10000")).underspend
    assert not check_spend(agreement, q2, Decimal("10000"), paid_to_date=paid).needs_explanation


def test_with_the_real_calendar_christmas_falling_on_a_weekend_moves_the_overdue_day_into_the_new_year() -> None:
    """Due Friday 24 Dec 2027: Christmas and Boxing Day observed 27-28 Dec, New Year's Day on 3 Jan 2028."""
    from notifications.calendar import BankHolidays

    due = instalment(date(2027, 12, 24))
    assert overdue_from(due, BankHolidays()) == date(2028, 1, 5)
    assert status(due, date(2028, 1, 5), BankHolidays()) == DUE
    assert status(due, date(2028, 1, 6), BankHolidays()) == OVERDUE


def test_with_the_real_calendar_easter_does_not_count_towards_the_five_working_days() -> None:
    """Due Thursday 25 Mar 2027, the day before Good Friday: on time until Monday 5 April."""
    from notifications.calendar import BankHolidays

    due = instalment(date(2027, 3, 25))
    assert overdue_from(due, BankHolidays()) == date(2027, 4, 5)
    paid_on_the_friday_after = instalment(date(2027, 3, 25), paid_on=date(2027, 4, 2), paid_amount=Decimal("12500"))
    assert status(paid_on_the_friday_after, date(2027, 4, 30), BankHolidays()) == PAID


def test_a_payment_beyond_the_whole_schedule_is_an_instalment_of_its_own() -> None:
    """Money over what was scheduled is kept, on its own date, and earlier paid dates stay true."""
    schedule = [instalment(date(2026, 4, 1), number=1, paid_on=date(2026, 4, 2), paid_amount=Decimal("12500"))]
    applied = apply_payment(schedule, Decimal("2000"), date(2026, 10, 2))
    first, extra = applied.schedule
    assert first.paid_on == date(2026, 4, 2) and first.paid_amount == Decimal("12500")
    assert (extra.number, extra.due, extra.paid_amount, extra.paid_on) == (2, date(2026, 10, 2), Decimal("2000"), date(2026, 10, 2))
    assert extra.note == "paid beyond the schedule" and extra.reference == "GR-2025-016"
    assert applied.changed == (extra,)
