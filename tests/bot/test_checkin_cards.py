"""Return cards: valid Adaptive Cards, provider text shown as typed, small enough for Teams."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from card_reading import block_text, facts_of, texts
from test_cards_schema import as_old_clients_see_it

from bot.cards import checkin as checkin_cards
from bot.cards.elements import MAX_CARD_BYTES, size_in_bytes
from domain.agreement import Agreement, Kpi
from domain.monitoring import MonitoringPeriod
from domain.returns import (
    CASE_STUDY,
    OUTCOMES,
    RAG,
    RISKS,
    SPEND_EXPLANATION,
    SPEND_IN_PERIOD,
    SPEND_TO_DATE,
    MonitoringReturn,
    kpi_key,
    reason_key,
)

SCHEMAS = Path(__file__).parent.parent / "schemas"
HOSTILE = "**bold** <at>Everyone</at> [click](http://evil) {{DATE(2017-02-14T06:08:39Z, SHORT)}}"
AGREEMENT = Agreement(
    reference="OPCC-2023-014", kind="grant", title="ISVA <service>", provider="Safe Harbour",
    value=Decimal("400000"), start_date=date(2026, 4, 1), end_date=date(2030, 3, 31),
    contact_email="returns@safeharbour.org.uk", kpis=(Kpi("referrals", Decimal(120)), Kpi("sessions", Decimal(300))),
)
Q1 = MonitoringPeriod("Q1 2026/27", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15))
Q2 = MonitoringPeriod("Q2 2026/27", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15))
ANSWERS = {
    kpi_key("referrals"): "95", reason_key("referrals"): HOSTILE, kpi_key("sessions"): "310",
    SPEND_IN_PERIOD: "5000.00", SPEND_TO_DATE: "10000.00", SPEND_EXPLANATION: HOSTILE, RAG: "Red",
    RISKS: HOSTILE, OUTCOMES: "x" * 2000, CASE_STUDY: "y" * 2000,
}
PREVIOUS = MonitoringReturn(1, AGREEMENT, Q1, "accepted", {kpi_key("referrals"): "110", kpi_key("sessions"): "290"})
RETURN = MonitoringReturn(
    2, AGREEMENT, Q2, "submitted", ANSWERS, submitted_by="returns@safeharbour.org.uk",
    submitted_at=datetime(2026, 10, 6, 9, tzinfo=UTC), previous=PREVIOUS,
)
QUERIED = MonitoringReturn(
    2, AGREEMENT, Q2, "queried", ANSWERS, assessed_by="cm@opcc.gov.uk", rating="Inadequate", assessment_comment=HOSTILE
)
CARDS = {
    "summary": checkin_cards.summary_card(RETURN),
    "notification": checkin_cards.submission_notification(RETURN),
    "assessment": checkin_cards.assessment_card(RETURN),
    "assessment-refused": checkin_cards.assessment_card(
        RETURN, {"rating": "Good", "comment": "Check the **sessions**"}, {"comment": "A query needs a comment.", "rating": HOSTILE}
    ),
    "assessed": checkin_cards.assessed_card(QUERIED, note=HOSTILE),
    "awaiting": checkin_cards.awaiting_card([RETURN] * 25),
    "outcome-queried": checkin_cards.outcome_card(QUERIED),
    "submitted": checkin_cards.submitted_card(RETURN, note=HOSTILE),
    "submitted-then-queried": checkin_cards.submitted_card(
        MonitoringReturn(2, AGREEMENT, Q2, "queried", ANSWERS, submitted_by="returns@safeharbour.org.uk",
                         submitted_at=datetime(2026, 10, 6, 9, tzinfo=UTC), assessed_by="cm@opcc.gov.uk",
                         assessed_at=datetime(2026, 10, 9, 9, tzinfo=UTC), rating="Inadequate", assessment_comment=HOSTILE)
    ),
}


def validator(name: str) -> jsonschema.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("name", sorted(CARDS))
def test_return_cards_are_valid_adaptive_cards_at_1_5_and_1_2(name: str) -> None:
    """Teams renders 1.5; mobile clients 1.2: each card validates against both."""
    card = copy.deepcopy(CARDS[name])
    card.pop("msteams")
    for version, schema in (("1.5", "adaptive-card-1.5.json"), ("1.2", "adaptive-card-1.2.json")):
        card["version"] = version
        errors = list(validator(schema).iter_errors(card if version == "1.5" else as_old_clients_see_it(card)))
        assert not errors, [e.message for e in errors[:3]]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_provider_text_is_shown_as_typed_never_as_markup_or_mentions(name: str) -> None:
    """Text a provider typed reaches staff as literal runs: no mention entity, no Markdown block, no date function."""
    card = CARDS[name]
    raw = json.dumps(card)
    assert "entities" not in raw and '"TextBlock"' not in raw and '"FactSet"' not in raw and "{{DATE" not in raw
    if name != "awaiting":
        assert " ".join(HOSTILE.split()) in "\n".join(texts(card))


@pytest.mark.parametrize("name", sorted(CARDS))
def test_return_cards_stay_under_the_teams_size_limit_with_the_longest_answers(name: str) -> None:
    """Even with every text answer at its maximum length a card stays under 80 KB."""
    assert size_in_bytes(CARDS[name]) <= MAX_CARD_BYTES


def test_the_channel_notification_has_rag_kpis_spend_profile_and_flags() -> None:
    """Agreement, period, RAG, KPI actuals vs targets, spend vs profile and flags are all there."""
    card = CARDS["notification"]
    facts = facts_of(card)
    assert facts["Period"] == "Q2 2026/27" and facts["RAG"] == "Red"
    assert facts["referrals"] == "95 (target 120, 79%)"
    assert facts["Spend to date"].startswith("£10,000 (20% of the £50,")
    flags = " ".join(texts(card["body"][-1]))
    assert "Provider rates the service Red" in flags and "Underspend" in flags


def test_the_assessment_card_compares_with_the_previous_period() -> None:
    """Each KPI shows last period's figure next to this one."""
    facts = facts_of(CARDS["assessment"])
    assert facts["sessions"] == "310 (target 300, 103%) \u00b7 last period 290"


def test_the_awaiting_list_pages_through_every_return() -> None:
    """A long list is never cut: the page says where it is, and Next goes on."""
    shown = [block_text(e) for e in CARDS["awaiting"]["body"]]
    assert shown[0] == "Returns awaiting assessment: 25"
    assert "Showing 1\u201310 of 25." in shown
    assert [a["title"] for a in CARDS["awaiting"]["actions"]] == ["Next"]
    last = checkin_cards.awaiting_card([RETURN] * 25, page=2)
    assert "Showing 21\u201325 of 25." in [block_text(e) for e in last["body"]]
    assert [a["data"] for a in last["actions"]] == [{"action": "awaiting_assessment", "page": 1}]


def test_a_queried_outcome_offers_to_reopen_the_return() -> None:
    """The provider's feedback card has the comment and an Open my return button."""
    action = CARDS["outcome-queried"]["actions"][0]
    assert action["data"] == {"action": "start_return", "reference": "OPCC-2023-014", "period": "Q2 2026/27"}


def test_the_channel_notice_names_who_submitted_and_when() -> None:
    """ "Submitted by" is never empty once submitted: the person's name from their email, and the day."""
    from dataclasses import replace

    named = replace(RETURN, submitted_by="sam.patel@safeharbour.org.uk")
    assert facts_of(checkin_cards.submission_notification(named))["Submitted by"] == "Sam Patel, 6 Oct 2026"
    assert facts_of(CARDS["notification"])["Submitted by"] == "returns@safeharbour.org.uk, 6 Oct 2026"


def test_a_decided_assessment_card_says_who_decided_when_with_no_buttons() -> None:
    """Once assessed the card reads "Queried by …, rated …" for everyone, with nothing left to press."""
    from dataclasses import replace

    assessed = replace(QUERIED, assessed_by="grace.okafor@mopac.example", assessed_at=datetime(2026, 12, 3, 10, tzinfo=UTC))
    card = checkin_cards.assessed_card(assessed)
    assert block_text(card["body"][2]) == "Queried by Grace Okafor, 3 Dec 2026, rated Inadequate"
    assert "actions" not in card and card["refresh"]["action"]["data"] == {"action": "assess_refresh", "return_id": 2}


def test_the_summary_card_names_the_contact_from_the_register_once_submitted() -> None:
    """The provider's card after Submit says who sent it by the register's contact name, and when."""
    from dataclasses import replace

    named = replace(RETURN, agreement=replace(AGREEMENT, contact_name="Amara Jones"))
    texts = [block_text(e) for e in checkin_cards.submitted_card(named)["body"]]
    assert "Submitted by Amara Jones, 6 Oct 2026" in texts
    assert "actions" not in checkin_cards.submitted_card(named)


def test_the_channel_notice_gives_way_to_the_outcome_or_to_a_newer_notice() -> None:
    """Once assessed the notice shows the decision instead of Assess; a notice for an earlier
    submission of a return sent again points to the newer one and has no Assess either."""
    from dataclasses import replace

    assessed = replace(RETURN, state="accepted", assessed_by="grace.okafor@mopac.example",
                       assessed_at=datetime(2026, 10, 9, 9, tzinfo=UTC), rating="Good")
    decided = checkin_cards.submission_notification(assessed)
    assert "Accepted by Grace Okafor, 9 Oct 2026, rated Good" in [block_text(e) for e in decided["body"]]
    assert "actions" not in decided
    older = checkin_cards.submission_notification(RETURN, posted_for="2026-07-20T09:00:00+00:00")
    assert "Submitted again on 6 Oct 2026: assess it from the newer notice." in [block_text(e) for e in older["body"]]
    assert "actions" not in older
    assert [a["title"] for a in CARDS["notification"]["actions"]] == ["Assess"]
