"""Questions about money out, on two registers that name things differently, and seen through a provider's role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pytest

from bot.answering import Assistant
from bot.questions.answer_json import answer_json
from bot.questions.engine import QuestionEngine
from bot.requests import Ask
from bot.roles import StaffRule
from domain.agreement import Agreement
from domain.payments import Instalment

TODAY = date(2026, 12, 2)


def agreement(reference: str, provider: str, **values: object) -> Agreement:
    fields: dict[str, object] = {
        "kind": "grant", "title": f"{provider} service", "value": Decimal("40000"), "start_date": date(2026, 4, 1),
        "end_date": date(2027, 3, 31), "contact_email": f"finance@{provider.split()[0].lower()}.example",
    }
    fields.update(values)
    return Agreement(reference=reference, provider=provider, **fields)  # type: ignore[arg-type]


def quarterly(reference: str, paid: int, *, first_paid: bool = True) -> tuple[Instalment, ...]:
    """Four £10,000 instalments from April; the first `paid` of them paid two days after they fell due."""
    dues = (date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1), date(2027, 1, 4))
    return tuple(
        Instalment(reference, n, due, Decimal("10000"),
                   *((date.fromordinal(due.toordinal() + 2), Decimal("10000")) if n <= paid and first_paid else ()))
        for n, due in enumerate(dues, start=1)
    )


# Two registers: a London one (MOPAC references, SNB stream) and a county one (OPCC references).
LONDON = [
    agreement("MOPAC-2026-001", "Safer London", funding_stream="Violence Reduction Unit"),
    agreement("MOPAC-2026-002", "Refuge", kind="contract", funding_stream="Core"),
    agreement("MOPAC-2026-003", "Croydon Safer Neighbourhood Board", funding_stream="Safer Neighbourhood Boards"),
]
LONDON_PAYMENTS = {
    "MOPAC-2026-001": quarterly("MOPAC-2026-001", 2),  # October's instalment is late
    "MOPAC-2026-002": quarterly("MOPAC-2026-002", 3),
    "MOPAC-2026-003": quarterly("MOPAC-2026-003", 0),
}
COUNTY = [
    agreement("OPCC-LLR-0042", "Women's Aid Leicestershire", funding_stream="Ministry of Justice victims grant"),
    agreement("OPCC-LLR-0043", "Turning Point", kind="contract", funding_stream="Commissioner's Safety Fund"),
]
COUNTY_PAYMENTS = {"OPCC-LLR-0042": quarterly("OPCC-LLR-0042", 3), "OPCC-LLR-0043": quarterly("OPCC-LLR-0043", 1)}


def ask(register: Sequence[Agreement], payments: dict[str, tuple[Instalment, ...]], question: str) -> dict[str, object]:
    return answer_json(QuestionEngine(register, payments=payments).answer(question, TODAY))


@pytest.mark.parametrize(("register", "payments", "late"), [
    (LONDON, LONDON_PAYMENTS, ["MOPAC-2026-001", "MOPAC-2026-003"]),
    (COUNTY, COUNTY_PAYMENTS, ["OPCC-LLR-0043"]),
])
def test_which_payments_are_late_lists_the_overdue_instalments(register, payments, late) -> None:  # type: ignore[no-untyped-def]
    """Each register's own overdue instalments, with reference, due date, amount, paid and status."""
    answer = ask(register, payments, "which payments are late?")
    assert answer["intent"] == "payments_late"
    assert sorted({p["reference"] for p in answer["payments"]}) == late  # type: ignore[attr-defined]
    assert {p["status"] for p in answer["payments"]} == {"overdue"}  # type: ignore[attr-defined]


def test_what_we_pay_out_in_january_is_the_instalments_due_that_month() -> None:
    """"in January" is the next January; three £10,000 instalments fall due on 4 Jan 2027."""
    answer = ask(LONDON, LONDON_PAYMENTS, "what do we pay out in January?")
    assert answer["headline"] == "3 payments due January 2027: £30,000."
    assert {p["due"] for p in answer["payments"]} == {"2027-01-04"}  # type: ignore[attr-defined]


def test_still_to_pay_on_a_grant_named_by_its_provider() -> None:
    """"the Safer London grant": two unpaid instalments, £20,000."""
    answer = ask(LONDON, LONDON_PAYMENTS, "how much is still to pay on the Safer London grant?")
    assert answer["references"] == ["MOPAC-2026-001"]
    assert str(answer["headline"]).startswith("Still to pay") and "£20,000" in str(answer["headline"])


def test_what_we_have_paid_a_provider_this_year_adds_up_its_payments() -> None:
    """Refuge was paid three £10,000 instalments in this financial year."""
    answer = ask(LONDON, LONDON_PAYMENTS, "what have we paid Refuge this year?")
    assert "£30,000 in 3 payments" in str(answer["headline"])


@pytest.mark.parametrize(("register", "payments", "question", "expected"), [
    (LONDON, LONDON_PAYMENTS, "which SNB grants haven't had their first payment?", ["MOPAC-2026-003"]),
    (COUNTY, {**COUNTY_PAYMENTS, "OPCC-LLR-0042": quarterly("OPCC-LLR-0042", 0)},
     "which MoJ grants haven't had their first payment?", ["OPCC-LLR-0042"]),
])
def test_grants_still_waiting_for_their_first_payment(register, payments, question, expected) -> None:  # type: ignore[no-untyped-def]
    """Loose stream names (SNB, MoJ) narrow the agreements as they do in other questions."""
    assert ask(register, payments, question)["references"] == expected


class _Register:
    async def current(self) -> Sequence[Agreement]:
        return LONDON


async def _london_payments(register: Sequence[Agreement]) -> dict[str, tuple[Instalment, ...]]:
    return {ref: items for ref, items in LONDON_PAYMENTS.items() if ref in {a.reference for a in register}}


async def test_a_provider_asking_about_payments_sees_only_their_own() -> None:
    """Safer London's contact gets their next payment; asking about Refuge's money gives nothing."""
    assistant = Assistant(_Register(), StaffRule.from_lists(["staff@mopac.example"], [], local=False), lambda: TODAY,
                          payments=_london_payments)
    caller = await assistant.caller("finance@safer.example")
    reply = await assistant.respond(Ask("when is our next payment?"), caller)
    assert reply.answer is not None
    assert reply.answer.headline == "Your next payment is £10,000, due on 1 Oct 2026 (MOPAC-2026-001)."
    other = await assistant.respond(Ask("what have we paid Refuge this year?"), caller)
    assert other.answer is not None
    assert [line.reference for line in other.answer.payments] == []
    assert "MOPAC-2026-002" not in other.answer.headline


def test_the_answer_card_lists_each_late_instalment() -> None:
    """The card shows one line per instalment with its amount, due date and status."""
    import json

    from bot.cards.answers import answer_card

    answer = QuestionEngine(LONDON, payments=LONDON_PAYMENTS).answer("which payments are late?", TODAY)
    card = json.dumps(answer_card(answer, today=TODAY), ensure_ascii=False)
    assert '"MOPAC-2026-001: £10,000 due 1 Oct 2026 (overdue)"' in card  # as typed: cards hold literal text


async def test_late_payments_in_teams_do_not_count_easter_as_working_days() -> None:
    """Due the day before Good Friday: not late on Friday 2 April 2027, late on Tuesday 6 April."""
    register = [agreement("MOPAC-2026-001", "Safer London")]
    schedule = {"MOPAC-2026-001": (Instalment("MOPAC-2026-001", 1, date(2027, 3, 25), Decimal("10000")),)}

    class _One:
        async def current(self) -> Sequence[Agreement]:
            return register

    async def payments(visible: Sequence[Agreement]) -> dict[str, tuple[Instalment, ...]]:
        return schedule

    late_on = {}
    for day in (date(2027, 4, 2), date(2027, 4, 6)):
        assistant = Assistant(_One(), StaffRule.from_lists(["staff@mopac.example"], [], local=False),  # type: ignore[arg-type]
                              lambda day=day: day, payments=payments)
        reply = await assistant.respond(Ask("which payments are late?"), await assistant.caller("staff@mopac.example"))
        assert reply.answer is not None
        late_on[day] = [line.reference for line in reply.answer.payments]
    assert late_on == {date(2027, 4, 2): [], date(2027, 4, 6): ["MOPAC-2026-001"]}
