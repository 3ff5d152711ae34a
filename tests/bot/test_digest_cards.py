"""The digest a channel gets from one sweep: one card, grouped by rule, one line per alert, most urgent first."""

from __future__ import annotations

from datetime import date

import card_reading as reading
from card_samples import digest_entries
from test_cards_schema import TYPES_1_2, load_validator, types_in, without_teams_keys

from bot.cards.alerts import render
from bot.cards.digest import SHOW_ALL, VISIBLE_LINES, days_words, group_heading
from bot.cards.elements import MAX_CARD_BYTES, size_in_bytes
from bot.requests import Ask, read_turn
from storage.outbox import OutboxEntry


def texts(node: object) -> list[str]:
    """Every text block's text, in reading order (the Show all card's too)."""
    return reading.texts(node)


def lines(node: object) -> list[dict]:
    """The digest's alert lines (ColumnSets, or runs behind Show all, you press to open the agreement), in order."""
    found: list[dict] = []
    if isinstance(node, dict):
        if "selectAction" in node:
            found.append(node)
        for key in ("body", "items", "actions", "inlines"):
            for child in node.get(key) or []:
                found += lines(child)
        if isinstance(node.get("card"), dict):
            found += lines(node["card"])
    return found


def reference_of(line: dict) -> str:
    return line["selectAction"]["data"]["question"].removeprefix("tell me about ")


def test_a_first_sweep_of_105_alerts_is_one_valid_card_of_at_most_25_lines() -> None:
    """105 alerts: one card, 1.5 schema with 1.2 elements, 25 lines shown and the rest behind Show all."""
    entries = digest_entries()
    assert len(entries) == 105
    card = render(entries)
    load_validator("adaptive-card-1.5.json").validate(without_teams_keys(card))
    assert types_in(card) <= TYPES_1_2
    shown = lines({"body": card["body"]})
    assert len(shown) == VISIBLE_LINES
    (show_all,) = card["actions"]
    assert show_all["type"] == "Action.ShowCard" and show_all["title"] == SHOW_ALL.format(count=105)
    everything = [reference_of(line) for line in lines(card)]
    assert sorted(everything) == sorted(e.reference for e in entries)
    assert size_in_bytes(card) < MAX_CARD_BYTES


def test_groups_are_headed_by_count_and_rule_and_the_most_urgent_come_first() -> None:
    """Overdue returns (45 days late) head the card; each group lists its alerts soonest first."""
    card = render(digest_entries())
    words = texts({"body": card["body"]})
    assert words[0] == "Deadline alerts, 22 Nov 2026"
    assert words[1].startswith("105 alerts, most urgent first.")
    headings = [reading.block_text(block["items"][0]) for block in card["body"][2:]]
    assert headings == [
        "40 monitoring returns overdue", "15 returns waiting for assessment", "30 agreements end soon",
        "6 extension decisions overdue", "4 grants ending: tell the providers", "10 extensions to decide",
    ]
    due = {e.reference: e.due for e in digest_entries()}
    first_group = [reference_of(line) for line in lines({"body": card["body"]})][:5]
    assert [due[r] for r in first_group] == sorted(due[r] for r in first_group)
    assert "45 days overdue" in str(card["body"])


def test_every_group_shows_its_most_urgent_alert_even_when_one_group_is_huge() -> None:
    """The 25 lines are shared out, so four grants needing notice are not buried behind 40 overdue returns."""
    card = render(digest_entries())
    shown = [reference_of(line) for line in lines({"body": card["body"]})]
    rules = {e.reference: e.rule for e in digest_entries()}
    assert {rules[r] for r in shown} == {rule for rule in rules.values()}


def test_one_of_a_kind_is_singular() -> None:
    """ "1 agreement ends soon", "1 day left", "1 day overdue", never "1 days"."""
    assert group_heading("expiry", 1) == "1 agreement ends soon"
    assert group_heading("return_overdue", 2) == "2 monitoring returns overdue"
    today = date(2026, 11, 22)
    assert days_words(date(2026, 11, 23), today) == "1 day left"
    assert days_words(date(2026, 11, 21), today) == "1 day overdue"
    assert days_words(today, today) == "today"
    assert days_words(date(2026, 12, 22), today) == "30 days left"


def test_pressing_a_line_opens_that_agreement_where_its_actions_are() -> None:
    """A line's press asks "tell me about REF", as the example buttons do."""
    (first, *_) = lines(render(digest_entries()))
    action = first["selectAction"]
    assert action["type"] == "Action.Submit"
    message = read_turn(None, action["data"], conversation_type="channel", mentions=[], bot_id="28:bot")
    assert message.request == Ask(action["data"]["question"])
    assert action["data"]["question"].startswith("tell me about OPCC-2024-")


def test_two_alerts_make_a_digest_with_no_show_all() -> None:
    """A short digest shows every line and no button."""
    card = render(digest_entries(2))
    assert len(lines(card)) == 2 and "actions" not in card


def test_the_worst_case_digest_stays_under_80_kb_as_teams_counts_it() -> None:
    """600 alerts with long non-ASCII titles: trimmed to fit (UTF-16), saying how many are not shown."""
    long_title = " – gwasanaeth cymorth i ddioddefwyr ✓ " * 10
    entries = digest_entries(title_suffix=long_title) * 6
    entries = [OutboxEntry(**{**e.__dict__, "id": n, "reference": f"{e.reference}-{n}"}) for n, e in enumerate(entries)]
    card = render(entries)
    assert size_in_bytes(card) < MAX_CARD_BYTES
    assert "more not shown here" in " ".join(texts(card))
    assert len(lines({"body": card["body"]})) == VISIBLE_LINES


def test_a_digest_without_a_creation_time_still_renders() -> None:
    """Lines without a sweep day show the date alone."""
    entries = [OutboxEntry(id=n, idempotency_key=f"k{n}", rule="expiry", reference=f"R-{n}", due=date(2027, 1, n + 1),
                           audience="channel", recipient="channel", payload={"message": "m", "details": []})
               for n in range(3)]
    assert "1 Jan 2027" in str(render(entries))
