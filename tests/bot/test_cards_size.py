"""Cards stay under Teams' message size limit however big the answer or the register text."""

from __future__ import annotations

from card_reading import block_text
from card_samples import TODAY, agreement, expiring_answer, not_understood_answer

from bot.cards import MAX_CARD_BYTES, agreement_card, answer_card, size_in_bytes
from domain.answers import Answer, Match

LONG_TITLE = "Integrated Offender Management and Violence Reduction Unit Community Programme " * 20
# Worst case for the wire size: every character a \u escape (pair) or a JSON escape, and Markdown-like.
HEAVY = "&<>*_😀🚓\\" * 400


def walk_pages(answer: Answer, page_size: int = 15) -> tuple[list[str], list[int]]:
    """Follow Show more from page 0; return the references shown and each page's size."""
    seen: list[str] = []
    sizes: list[int] = []
    page = 0
    while True:
        card = answer_card(answer, page=page, page_size=page_size)
        sizes.append(size_in_bytes(card))
        rows = [block for block in card["body"] if block["type"] == "ColumnSet"][1:]
        seen.extend(block_text(row["columns"][0]["items"][0]) for row in rows)
        if not card.get("actions"):
            return seen, sizes
        data = card["actions"][0]["data"]
        page, page_size = data["page"], data.get("page_size", page_size)


def test_five_thousand_matches_with_long_titles_page_under_the_limit() -> None:
    """Every page of a 5,000-agreement answer is under 80 KB and all 5,000 are reachable."""
    answer = expiring_answer(5000, title=LONG_TITLE, missing_values=3)
    seen, sizes = walk_pages(answer)
    assert max(sizes) < MAX_CARD_BYTES
    assert len(seen) == 5000
    assert seen == list(answer.references)


def test_pathological_text_shrinks_the_page_but_loses_no_agreement() -> None:
    """50 rows of emoji and Markdown would not fit: the page shrinks and paging stays exact."""
    answer = expiring_answer(200, title=HEAVY)
    answer = Answer(
        question=answer.question,
        understood=True,
        intent=answer.intent,
        headline=answer.headline,
        interpretation=answer.interpretation,
        matches=tuple(Match(agreement(n, title=HEAVY, provider=HEAVY, reference=f"R{n:04d}-{HEAVY[:30]}"), problems=(HEAVY,)) for n in range(200)),
    )
    first = answer_card(answer, page_size=50)
    assert size_in_bytes(first) < MAX_CARD_BYTES
    assert first["actions"][0]["data"]["page_size"] < 50
    seen, sizes = walk_pages(answer, page_size=50)
    assert max(sizes) < MAX_CARD_BYTES
    assert len(seen) == 200 == len(set(seen))


def test_an_agreement_with_huge_text_fields_still_fits() -> None:
    """A 100,000-character title and notes are shortened with an ellipsis, not sent whole."""
    huge = agreement(1, title=HEAVY * 10, notes=HEAVY * 10, provider=HEAVY, contact_name=HEAVY, funding_stream=HEAVY, area=HEAVY, category=HEAVY)
    card = agreement_card(huge, TODAY)
    assert size_in_bytes(card) < MAX_CARD_BYTES
    assert "…" in block_text(card["body"][0])


def test_a_huge_question_not_understood_still_fits() -> None:
    """Echoing a pasted essay back is cut short."""
    base = not_understood_answer()
    answer = Answer(question=HEAVY * 50, understood=False, intent="unknown", headline=base.headline, examples=base.examples)
    assert size_in_bytes(answer_card(answer)) < MAX_CARD_BYTES


def test_a_normal_page_of_fifteen_rows_is_small() -> None:
    """The common case is far below the limit, so phones load it quickly."""
    assert size_in_bytes(answer_card(expiring_answer(62))) < 40 * 1024  # UTF-16, as Teams counts


def test_an_answer_with_thousands_of_notes_still_fits() -> None:
    """Notes beyond the first ten are counted, not sent."""
    base = expiring_answer(20)
    answer = Answer(
        question=base.question, understood=True, intent="list", headline=base.headline,
        matches=base.matches, details=tuple(f"note {n}: {HEAVY[:500]}" for n in range(2000)),
    )
    card = answer_card(answer)
    assert size_in_bytes(card) < MAX_CARD_BYTES
    assert any(block_text(block) == "…and 1990 more notes" for block in card["body"])
