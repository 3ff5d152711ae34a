"""Alert and digest cards: valid Adaptive Cards, text as typed, the right buttons for each reader."""

from __future__ import annotations

from datetime import UTC, date, datetime

from card_reading import facts_of
from test_cards_schema import TYPES_1_2, as_old_clients_see_it, load_validator, types_in, without_teams_keys

from bot.cards.alerts import OPEN_AGREEMENT, SNOOZE, START_RETURN, render
from bot.cards.elements import fits
from bot.requests import DecideEnd, SnoozeAlert, StartReturn, read_alert_action
from storage.outbox import OutboxEntry


def entry(n: int = 1, *, rule: str = "expiry", audience: str = "channel", message: str = "Ends soon",
          details: list | None = None, **payload: object) -> OutboxEntry:
    return OutboxEntry(
        id=n, idempotency_key=f"k{n}", rule=rule, reference=f"REF-{n:03d}", due=date(2027, 1, 31), audience=audience,
        recipient="channel", payload={"message": message, "details": details or [["Reference", f"REF-{n:03d}"]], **payload},
        created_at=datetime(2026, 11, 23, tzinfo=UTC),
    )


def buttons(node: object) -> list[dict]:
    found: list[dict] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for key, value in node.items():
            if key != "data":
                found += buttons(value)
    elif isinstance(node, list):
        for child in node:
            found += buttons(child)
    return found


def test_alert_and_digest_cards_are_valid_adaptive_cards_using_1_2_elements() -> None:
    """One alert, a 20-alert digest and a decision card all validate against schema 1.5."""
    validator = load_validator("adaptive-card-1.5.json")
    cards = [
        render([entry()]),
        render([entry(n) for n in range(20)]),
        render([entry(rule="decision_overdue", options_left=[1, 1])]),
        render([entry(rule="return_due", audience="provider", details=[["Period", "Q2 2026/27"]])]),
    ]
    for card in cards:
        validator.validate(without_teams_keys(card))
        assert types_in(as_old_clients_see_it(card)) <= TYPES_1_2
        assert card["version"] == "1.5" and fits(card)


def test_staff_get_open_snooze_and_decision_buttons() -> None:
    """A decision-overdue alert offers Open agreement, the decision choices and Snooze 7 days."""
    card = render([entry(rule="decision_overdue", options_left=[2])])
    titles = [b.get("title") for b in buttons(card)]
    assert titles[0] == OPEN_AGREEMENT and SNOOZE in titles
    assert {"Extend by 2 years", "Re-commission", "Let it end"} <= set(titles)
    decide = next(b for b in buttons(card) if b.get("title") == "Extend by 2 years")
    # The card carries the end date its alert is about (the alert's due date), for the decision guard.
    assert read_alert_action(decide["data"]) == DecideEnd("REF-001", "extend", 2, date(2027, 1, 31))
    snooze = next(b for b in buttons(card) if b.get("title") == SNOOZE)
    assert read_alert_action(snooze["data"]) == SnoozeAlert("REF-001", "decision_overdue")


def test_providers_get_only_start_my_return() -> None:
    """A provider's reminder has no staff buttons; its button starts the check-in for that period."""
    card = render([entry(rule="return_overdue", audience="provider", details=[["Period", "Q2 2026/27"]])])
    (button,) = buttons(card)
    assert button["title"] == START_RETURN
    assert button["data"] == {"action": "start_return", "reference": "REF-001", "period": "Q2 2026/27"}
    assert read_alert_action(button["data"]) == StartReturn("REF-001")


def test_register_text_is_shown_as_typed_in_alert_cards() -> None:
    """A title with Markdown and a mention is literal text (a TextRun), with no backslash or entity."""
    typed = "**Urgent** <at>Everyone</at> [click](http://evil.example) GR-2024-015"
    card = render([entry(message=typed, details=[["Title", typed]])])
    message = card["body"][1]
    assert message["type"] == "RichTextBlock" and [run["text"] for run in message["inlines"]] == [typed]
    assert facts_of(card)["Title"] == typed


def test_forged_alert_buttons_are_not_acted_on() -> None:
    """Unknown rules, decisions and odd years are refused (None), not guessed at."""
    for value in (
        {"action": "alert_snooze", "reference": "REF-1", "rule": "everything"},
        {"action": "alert_decide", "reference": "REF-1", "decision": "delete"},
        {"action": "alert_decide", "reference": "REF-1", "decision": "extend", "years": "2; drop"},
        {"action": "alert_decide", "reference": "", "decision": "end"},
        {"action": "alert_decide", "reference": "REF-1", "decision": "end", "end": "not a date"},
        {"action": "alert_decide", "reference": "REF-1", "decision": "end", "end": 20280331},
        ["not", "a", "mapping"],
    ):
        assert read_alert_action(value) is None


def test_a_huge_data_quality_digest_still_fits_in_one_card() -> None:
    """Hundreds of problem lines are trimmed to what fits, with a count of the rest."""
    lines = [[f"REF-{n:05d}", "No project code: add the finance project code. " * 3] for n in range(200)]
    card = render([entry(rule="data_quality", details=lines)])
    assert fits(card)
    assert "more" in str(card)
