"""The breakdown card: a small table of groups with the grand total, paged, and always under Teams' limit."""

from __future__ import annotations

import card_reading as reading
from card_samples import BREAKDOWN_PROVIDERS, breakdown_answer

from bot.cards import MAX_CARD_BYTES, answer_card, answer_text, size_in_bytes
from bot.cards.breakdowns import GRAND_TOTAL, NO_GROUPS
from domain.answers import Answer

HEAVY = "&<>*_😀🚓\\" * 60


def texts(card: dict) -> list[str]:
    """Every text block's text in the card body, in order."""
    return reading.texts(card.get("body", []))


def group_rows(card: dict) -> list[str]:
    """The group names shown, without the header and total rows."""
    rows = [block for block in card["body"] if block["type"] == "ColumnSet"]
    return [reading.block_text(row["columns"][0]["items"][0]) for row in rows[1:-1]]


def walk_pages(answer: Answer, page_size: int = 15) -> tuple[list[str], list[int]]:
    """Follow Show more from page 0; the group names shown and each page's size in bytes."""
    seen: list[str] = []
    sizes: list[int] = []
    page = 0
    while True:
        card = answer_card(answer, page=page, page_size=page_size)
        sizes.append(size_in_bytes(card))
        seen.extend(group_rows(card))
        if not card.get("actions"):
            return seen, sizes
        data = card["actions"][0]["data"]
        page, page_size = data["page"], data.get("page_size", page_size)


def test_the_card_shows_each_group_with_count_and_total_then_the_grand_total() -> None:
    """The first page lists the 15 largest providers, each with its count and total, then the total of all 18."""
    answer = breakdown_answer()
    shown = texts(answer_card(answer))
    assert answer.headline in shown
    first = answer.groups[0]
    at = shown.index(first.name)
    assert shown[at + 1 : at + 3] == [str(first.count), f"£{first.total_value:,.0f}"]
    assert "Total, all 18 providers" in shown and "36" in shown and "£49,475,000" in shown
    assert "Showing 1–15 of 18 providers" in shown
    assert answer.groups[15].name not in shown


def test_show_more_reaches_every_group_once() -> None:
    """Pressing Show more walks all 18 groups, largest first, and the last page says plain "Total"."""
    answer = breakdown_answer()
    seen, _sizes = walk_pages(answer)
    assert seen == [g.name for g in answer.groups]
    last = answer_card(answer, page=1)
    assert "actions" not in last
    assert "Showing 16–18 of 18 providers" in texts(last)


def test_a_breakdown_that_fits_on_one_page_has_no_paging() -> None:
    """Five groups: no "Showing" line, no button, the total row says "Total"."""
    answer = breakdown_answer(BREAKDOWN_PROVIDERS[:5])
    card = answer_card(answer)
    assert "actions" not in card
    assert GRAND_TOTAL in texts(card)
    assert not any(t.startswith("Showing") for t in texts(card))


def test_hundreds_of_groups_with_heavy_names_page_under_the_limit() -> None:
    """300 providers whose names are all awkward characters: every page under the limit, every group reachable."""
    providers = tuple(f"{HEAVY} {n}" for n in range(300))
    answer = breakdown_answer(providers)
    seen, sizes = walk_pages(answer, page_size=50)
    assert max(sizes) < MAX_CARD_BYTES
    assert len(seen) == len(answer.groups) == 300


def test_an_empty_breakdown_says_there_is_nothing_to_break_down() -> None:
    """No matches: a sentence, never an empty table."""
    answer = breakdown_answer(())
    assert NO_GROUPS in texts(answer_card(answer))


def test_the_plain_text_lists_every_group_and_the_total() -> None:
    """Clients without cards read the same groups, all of them, then the grand total."""
    answer = breakdown_answer()
    lines = answer_text(answer).splitlines()
    assert lines[-1] == "Total: 36 agreements, £49,475,000"
    assert sum(1 for line in lines if line.startswith("- ")) == 18
