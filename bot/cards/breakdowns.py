"""The breakdown card: one row per group (name, agreements, total value), then the grand total.

"Total value per provider" must read as a small table an officer can quote, never as a flat list
whose one total could be taken for a breakdown. Many groups (a register with 200 providers) are
paged like list answers ("Showing 1–15 of 200 providers" and "Show more"), and a page that would
pass Teams' size limit is built again with fewer rows, as `bot/cards/answers.py` does for lists.
"""

from __future__ import annotations

from bot.cards import text as words
from bot.cards.elements import Element, card, column, columns, fits, heading, submit, subtle, text
from bot.cards.notes import detail_lines
from bot.cards.text import money, plural, shorten
from domain.answers import Answer, Group
from domain.breakdowns import GROUP_FIELDS

DEFAULT_PAGE_SIZE = 15
MAX_PAGE_SIZE = 50
_NAME_LIMIT = 110
_LINE_LIMIT = 600
# Group | agreements | total value, the same in every row so the columns line up.
_WIDTHS = (60, 16, 24)

COLUMN_AGREEMENTS = "Agreements"
COLUMN_TOTAL = "Total value"
GRAND_TOTAL = "Total"
GRAND_TOTAL_OF = "Total, all {count} {things}"
NO_GROUPS = "No agreements match this question, so there is nothing to break down."
SHOWING_GROUPS = "Showing {first}–{last} of {count} {things}"


def group_word(answer: Answer, count: int = 1) -> str:
    """`provider`, `funding streams`, `categories`: what the groups are, in words."""
    word = GROUP_FIELDS.get(answer.group_by, "group")
    if count == 1:
        return word
    return "categories" if word == "category" else word + "s"


def breakdown_card(answer: Answer, *, page: int = 0, page_size: int = DEFAULT_PAGE_SIZE) -> Element:
    """One page of the answer's groups, with the grand total under every page."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    count = len(answer.groups)
    first_row = max(0, int(page)) * size
    if count and first_row >= count:
        first_row = ((count - 1) // size) * size
    built: Element = {}
    for rows in (candidate for candidate in range(size, 0, -1) if size % candidate == 0):
        built = _card_from(answer, first_row - first_row % rows, rows, shrunk=rows != int(page_size))
        if fits(built):
            break
    return built


def breakdown_page_count(answer: Answer, page_size: int = DEFAULT_PAGE_SIZE) -> int:
    """How many pages of `page_size` groups the breakdown fills (at least one)."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    return max(1, -(-len(answer.groups) // size))


def _card_from(answer: Answer, first_row: int, rows: int, *, shrunk: bool) -> Element:
    shown = answer.groups[first_row : first_row + rows]
    body: list[Element] = [heading(shorten(answer.headline, _LINE_LIMIT))]
    if answer.interpretation:
        body.append(subtle(shorten(answer.interpretation, _LINE_LIMIT), spacing="None"))
    body.extend(detail_lines(answer.details))
    actions: list[Element] = []
    if not shown:
        body.append(text(NO_GROUPS))
        return card(body, actions, fallback_text=shorten(answer.headline, 200))
    body.append(_row((group_word(answer).capitalize(), COLUMN_AGREEMENTS, COLUMN_TOTAL), weight="Bolder", spacing="Medium"))
    body.extend(_group_row(group) for group in shown)
    total_label = GRAND_TOTAL if len(shown) == len(answer.groups) else GRAND_TOTAL_OF.format(
        count=f"{len(answer.groups):,}", things=group_word(answer, len(answer.groups)))
    body.append(_row((total_label, f"{answer.count:,}", money(answer.total_value)), weight="Bolder", spacing="Small"))
    if answer.missing_values:
        body.append(subtle(words.WITHOUT_VALUE.format(count=answer.missing_values) + ", not in the totals", spacing="None", size="Small"))
    last_row = first_row + len(shown)
    if len(answer.groups) > len(shown):
        things = group_word(answer, len(answer.groups))
        body.append(subtle(SHOWING_GROUPS.format(first=f"{first_row + 1:,}", last=f"{last_row:,}", count=f"{len(answer.groups):,}", things=things), spacing="Medium"))
    if last_row < len(answer.groups):
        data: dict[str, object] = {"action": "show_more", "question": answer.question, "page": last_row // rows}
        if shrunk:
            data["page_size"] = rows
        actions.append(submit(words.SHOW_MORE, data))
    return card(body, actions, fallback_text=shorten(answer.headline, 200))


def _row(cells: tuple[str, str, str], **style: str) -> Element:
    """A table row of three plain cells; the header and the total row use it."""
    weight = style.pop("weight", "Default")
    built = [
        column([text(value, size="Small", weight=weight, **_align(index))], width)
        for index, (value, width) in enumerate(zip(cells, _WIDTHS, strict=True))
    ]
    return columns(built, separator=True, **style)


def _group_row(group: Group) -> Element:
    name = [text(shorten(group.name, _NAME_LIMIT), size="Small", weight="Bolder")]
    if group.missing_values:
        name.append(subtle(words.WITHOUT_VALUE.format(count=group.missing_values), size="Small", spacing="None"))
    cells = [
        column(name, _WIDTHS[0]),
        column([text(f"{group.count:,}", size="Small", **_align(1))], _WIDTHS[1]),
        column([text(money(group.total_value), size="Small", **_align(2))], _WIDTHS[2]),
    ]
    return columns(cells, spacing="Small", separator=True)


def _align(index: int) -> dict[str, str]:
    return {"horizontalAlignment": "Right"} if index else {}


def breakdown_text(answer: Answer) -> list[str]:
    """The groups as plain lines, every one of them, then the grand total."""
    lines = [f"- {shorten(group.name, 200)}: {plural(group.count, 'agreement')}, {money(group.total_value)}" for group in answer.groups]
    lines.append(f"{GRAND_TOTAL}: {plural(answer.count, 'agreement')}, {money(answer.total_value)}")
    return lines
