"""How a monitoring return's answers are read, checked and flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.agreement import Agreement, Kpi
from domain.monitoring import MonitoringPeriod
from domain.returns import (
    CASE_STUDY,
    EMPTY,
    NEGATIVE,
    NOT_A_CHOICE,
    NOT_A_NUMBER,
    NOT_MONEY,
    OUTCOMES,
    RAG,
    RATINGS,
    RISKS,
    SAME_AS_LAST,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    TO_DATE_BELOW_PERIOD,
    TOO_LONG,
    AnswerRefused,
    MonitoringReturn,
    apply_answer,
    check_spend,
    clean_text,
    expected_spend_to_date,
    kpi_key,
    needs_reason,
    next_question,
    normalise_answer,
    parse_actual,
    parse_rag,
    parse_rating,
    parse_spend,
    question_before,
    questions_for,
    reason_key,
    return_flags,
)

AGREEMENT = Agreement(
    reference="OPCC-2023-014", kind="grant", title="ISVA service", provider="Safe Harbour",
    value=Decimal("400000"), start_date=date(2026, 4, 1), end_date=date(2030, 3, 31),
    kpis=(Kpi("referrals", Decimal(120)), Kpi("sessions", Decimal(300))),
)
Q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))


def problem(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(AnswerRefused) as refused:
        call(*args)
    return refused.value.problem


def test_kpi_actuals_accept_plain_numbers_with_commas_decimals_or_percent() -> None:
    """Providers type counts as they write them: 96, 1,200, 12.5, 85%."""
    assert parse_actual("96") == Decimal(96)
    assert parse_actual(" 1,200 ") == Decimal(1200)
    assert parse_actual("12.5") == Decimal("12.5")
    assert parse_actual("85%") == Decimal(85)
    assert str(parse_actual("96.0")) == "96"


def test_kpi_actuals_refuse_words_negatives_and_nothing() -> None:
    """Each refusal names what was wrong so the re-prompt can say so."""
    assert problem(parse_actual, "lots") == NOT_A_NUMBER
    assert problem(parse_actual, "-3") == NEGATIVE
    assert problem(parse_actual, "  ") == EMPTY
    assert problem(parse_actual, "12 or 13") == NOT_A_NUMBER


def test_spend_accepts_pounds_thousands_and_plain_figures() -> None:
    """£12,500, 12.5k and 12500 are the same spend."""
    assert parse_spend("£12,500") == parse_spend("12.5k") == parse_spend("12500") == Decimal("12500.00")


def test_spend_refuses_what_is_not_money() -> None:
    """Words, negative amounts and blanks are refused with their reason."""
    assert problem(parse_spend, "about ten grand") == NOT_MONEY
    assert problem(parse_spend, "-500") == NEGATIVE
    assert problem(parse_spend, "") == EMPTY


@given(st.integers(min_value=0, max_value=10**9))
def test_any_whole_count_reads_back_with_or_without_thousands_separators(count: int) -> None:
    """A count typed as digits or with commas is the same number."""
    assert parse_actual(str(count)) == count
    assert parse_actual(f"{count:,}") == count


@given(st.integers(min_value=1, max_value=10**9))
def test_a_negative_count_is_always_refused_as_negative(count: int) -> None:
    """Negative actuals are refused and the provider is told why."""
    assert problem(parse_actual, f"-{count}") == NEGATIVE


@given(st.integers(min_value=0, max_value=10**11))
def test_any_amount_in_pence_reads_back_in_every_accepted_form(pence: int) -> None:
    """£1,234.56, 1234.56 and (for whole thousands) 1.5k all read as the same pounds."""
    pounds = Decimal(pence) / 100
    assert parse_spend(f"£{pounds:,.2f}") == pounds
    assert parse_spend(f"{pounds:.2f}") == pounds
    if pence % 100_000 == 0:
        assert parse_spend(f"{pence // 100_000}k") == pounds


@given(st.text(max_size=40))
@example("10000000000000000000000000000")  # 29 digits: more than the decimal context holds
def test_any_text_is_read_as_a_number_or_refused_never_crashes(text: str) -> None:
    """Whatever a provider types, the result is a non-negative number or a clear refusal."""
    for parse in (parse_actual, parse_spend):
        try:
            value = parse(text)
        except AnswerRefused as refused:
            assert refused.problem in (EMPTY, NOT_A_NUMBER, NEGATIVE, NOT_MONEY)
        else:
            assert value >= 0


@given(st.decimals(min_value=0, max_value=10**6, places=2), st.decimals(min_value=0, max_value=10**6, places=2))
def test_a_reason_is_needed_exactly_when_an_actual_is_below_80_percent(actual: Decimal, target: Decimal) -> None:
    """The 80% rule: below it a reason is required, at or above it none."""
    assert needs_reason(actual, target) == (target > 0 and actual * 10 < target * 8)


def test_eighty_percent_of_target_needs_no_reason_below_it_does() -> None:
    """96 of 120 is exactly 80%: fine; 95 is short."""
    assert not needs_reason(Decimal(96), Decimal(120))
    assert needs_reason(Decimal(95), Decimal(120))


def test_rag_and_ratings_accept_any_case_and_refuse_other_words() -> None:
    """"amber", "A" and "Amber" are Amber; ratings use the Procurement Act 2023 scale."""
    assert parse_rag("amber") == parse_rag("A") == "Amber"
    assert problem(parse_rag, "purple") == NOT_A_CHOICE
    assert RATINGS == ("Good", "Approaching target", "Requires improvement", "Inadequate")
    assert parse_rating("requires improvement") == "Requires improvement"
    assert problem(parse_rating, "excellent") == NOT_A_CHOICE


def test_risks_none_is_an_answer_and_long_text_is_refused() -> None:
    """"none" records no risks; an essay over the limit is refused, not cut."""
    assert clean_text("None", none_means_empty=True) == ""
    assert problem(lambda: clean_text("x" * 5000)) == TOO_LONG
    assert clean_text("skip", skip_allowed=True) == ""


def test_straight_line_profile_expects_a_share_of_value_by_days_elapsed() -> None:
    """Half a year into a four-year £400,000 grant, about £50,000 is expected spent."""
    expected = expected_spend_to_date(AGREEMENT, date(2026, 9, 30))
    assert Decimal("49000") < expected < Decimal("51000")  # type: ignore[operator]


def test_far_behind_the_profile_is_an_underspend_needing_explanation() -> None:
    """Under half of the expected spend is flagged; a little behind is not."""
    assert check_spend(AGREEMENT, Q2, Decimal("20000")).underspend
    assert not check_spend(AGREEMENT, Q2, Decimal("40000")).needs_explanation


def test_spend_to_date_above_the_agreement_value_needs_explanation() -> None:
    """Spending more than the whole agreement value is flagged."""
    check = check_spend(AGREEMENT, Q2, Decimal("400000.01"))
    assert check.over_value and check.needs_explanation


def test_no_value_or_dates_means_no_spend_warning() -> None:
    """Without a value and dates there is no profile to compare with."""
    bare = Agreement(reference="X", kind="grant", title="t", provider="p")
    assert not check_spend(bare, Q2, Decimal(10)).needs_explanation


def test_questions_follow_kpis_then_spend_rag_risks_outcomes_case_study() -> None:
    """A return asks each KPI, spend, RAG, risks, outcomes and a case study, in that order."""
    keys = [q.key for q in questions_for(AGREEMENT, Q2, {})]
    assert keys == [kpi_key("referrals"), kpi_key("sessions"), SPEND_IN_PERIOD, SPEND_TO_DATE, RAG, RISKS, OUTCOMES, CASE_STUDY]


def test_a_shortfall_adds_a_reason_and_an_underspend_adds_an_explanation() -> None:
    """Conditional questions appear right after the answer that triggered them."""
    answers = {kpi_key("referrals"): "50", SPEND_TO_DATE: "1000.00"}
    keys = [q.key for q in questions_for(AGREEMENT, Q2, answers, has_previous=True)]
    assert keys[:3] == [SAME_AS_LAST, kpi_key("referrals"), reason_key("referrals")]
    assert keys[keys.index(SPEND_TO_DATE) + 1] == SPEND_EXPLANATION


def test_next_and_previous_questions() -> None:
    """The next question is the first unanswered one; back goes to the one before."""
    questions = questions_for(AGREEMENT, Q2, {kpi_key("referrals"): "120"})
    assert next_question(questions, {kpi_key("referrals"): "120"}).key == kpi_key("sessions")  # type: ignore[union-attr]
    assert question_before(questions, kpi_key("sessions")).key == kpi_key("referrals")  # type: ignore[union-attr]
    assert question_before(questions, kpi_key("referrals")) is None


def test_spend_to_date_below_spend_in_the_period_is_refused() -> None:
    """Spend to date includes this period, so it cannot be less."""
    to_date = next(q for q in questions_for(AGREEMENT, Q2, {}) if q.key == SPEND_TO_DATE)
    assert problem(normalise_answer, to_date, "£5,000", {SPEND_IN_PERIOD: "12500.00"}) == TO_DATE_BELOW_PERIOD
    assert normalise_answer(to_date, "£50k", {SPEND_IN_PERIOD: "12500.00"}) == "50000.00"


def test_changing_an_actual_above_the_line_drops_its_reason() -> None:
    """A reason for a shortfall that no longer exists is not kept."""
    answers = {kpi_key("referrals"): "50", reason_key("referrals"): "staff sickness"}
    changed = apply_answer(AGREEMENT, Q2, answers, kpi_key("referrals"), "130")
    assert changed == {kpi_key("referrals"): "130"}


def test_flags_list_red_rating_shortfalls_spend_and_risks() -> None:
    """A contract manager sees what needs attention first."""
    ret = MonitoringReturn(
        id=1, agreement=AGREEMENT, period=Q2, state="submitted",
        answers={kpi_key("referrals"): "60", kpi_key("sessions"): "300", SPEND_IN_PERIOD: "1000.00",
                 SPEND_TO_DATE: "1000.00", RAG: "Red", RISKS: "Staff vacancy"},
    )
    flags = return_flags(ret)
    assert flags[0] == "Provider rates the service Red"
    assert "referrals: 60 against a target of 120 (50%)" in flags
    assert any(flag.startswith("Underspend") for flag in flags)
    assert "Risks or issues reported" in flags
