"""The answer card: what was understood, the matching agreements, count and total.

Long answers are paged ("Showing 1–15 of 62" and a "Show more" button), never cut short
silently, and every page stays under Teams' message size limit however long the register
text is: a page that would be too big is built again with fewer rows, and the "Show more"
button carries the page size it used so the next page starts at the right row.
"""

from __future__ import annotations

from datetime import date

from bot.cards import text as words
from bot.cards.agreement import agreement_card
from bot.cards.breakdowns import breakdown_card, breakdown_page_count, breakdown_text
from bot.cards.elements import Element, card, column, columns, fits, heading, submit, subtle, text
from bot.cards.messages import not_understood_card
from bot.cards.notes import detail_lines
from bot.cards.text import money, plural, shorten
from domain.answers import Answer, Match

DEFAULT_PAGE_SIZE = 15
MAX_PAGE_SIZE = 50

# Cell text limits in the list (the single-agreement card shows the full text).
_REFERENCE_LIMIT = 40
_TITLE_LIMIT = 110
_PROVIDER_LIMIT = 70
_PROBLEMS_LIMIT = 160
_LINE_LIMIT = 600

# Relative column widths, the same in every row so the columns line up like a table.
_WIDTHS = (24, 46, 16, 14)


def answer_card(answer: Answer, *, page: int = 0, page_size: int = DEFAULT_PAGE_SIZE, today: date | None = None) -> Element:
    """The card for any answer: one agreement, "I didn't understand", or a paged list."""
    if not answer.understood:
        return not_understood_card(answer)
    if answer.group_by:
        return breakdown_card(answer, page=page, page_size=page_size)
    if answer.about_one and answer.count == 1:
        return agreement_card(answer.matches[0], today or _london_today(), headline=answer.headline, interpretation=answer.interpretation)
    return list_card(answer, page=page, page_size=page_size)


def _london_today() -> date:
    """Today in Europe/London, for callers at the edge that do not pass a date."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/London")).date()


def list_card(answer: Answer, *, page: int = 0, page_size: int = DEFAULT_PAGE_SIZE) -> Element:
    """One page of the answer's matches; fewer rows than asked when the card would be too big.

    A smaller page is always a divisor of the page size asked for, so the row it starts at
    is a whole number of smaller pages and "Show more" can say exactly where to go next.
    """
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    first_row = max(0, int(page)) * size
    # A page past the end (an old "Show more" after the register changed) shows the last page.
    if answer.count and first_row >= answer.count:
        first_row = ((answer.count - 1) // size) * size
    built: Element = {}
    for rows in _divisors_descending(size):
        built = _list_card_from(answer, first_row, rows, shrunk=rows != int(page_size))
        if fits(built):
            break
    return built


def page_count(answer: Answer, page_size: int = DEFAULT_PAGE_SIZE) -> int:
    """How many pages of `page_size` rows (groups, for a breakdown) the answer fills (at least one)."""
    if answer.group_by:
        return breakdown_page_count(answer, page_size)
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    return max(1, -(-answer.count // size))


def _divisors_descending(number: int) -> list[int]:
    return [candidate for candidate in range(number, 0, -1) if number % candidate == 0]


def _list_card_from(answer: Answer, first_row: int, rows: int, *, shrunk: bool) -> Element:
    """The list card showing `rows` matches from `first_row` (a multiple of `rows`)."""
    shown = answer.matches[first_row : first_row + rows]
    body: list[Element] = [heading(shorten(answer.headline, _LINE_LIMIT))]
    if answer.interpretation:
        body.append(subtle(shorten(answer.interpretation, _LINE_LIMIT), spacing="None"))
    body.append(text(summary_line(answer), weight="Bolder", spacing="Small"))
    body.extend(detail_lines(answer.details))
    actions: list[Element] = []
    if not shown:
        body.append(text(words.NO_MATCHES))
    else:
        body.append(_header_row())
        body.extend(_match_row(match) for match in shown)
        last_row = first_row + len(shown)
        body.append(subtle(words.SHOWING.format(first=f"{first_row + 1:,}", last=f"{last_row:,}", count=f"{answer.count:,}"), spacing="Medium"))
        if last_row < answer.count:
            data: dict[str, object] = {"action": "show_more", "question": answer.question, "page": last_row // rows}
            if shrunk:
                data["page_size"] = rows
            actions.append(submit(words.SHOW_MORE, data))
    return card(body, actions, fallback_text=shorten(answer.headline, 200))


def summary_line(answer: Answer) -> str:
    """`62 grants, total £12,345,000 (3 without a value)`; "agreements" when kinds are mixed."""
    kinds = {match.agreement.kind for match in answer.matches}
    noun = kinds.pop() if len(kinds) == 1 else "agreement"  # "10 grants" when all are grants
    line = words.TOTAL.format(agreements=plural(answer.count, noun), total=money(answer.total_value))
    if answer.missing_values:
        line += f" ({words.WITHOUT_VALUE.format(count=answer.missing_values)})"
    return line


def _header_row() -> Element:
    titles = (words.COLUMN_REFERENCE, words.COLUMN_AGREEMENT, words.COLUMN_ENDS, words.COLUMN_VALUE)
    cells = [
        column([text(title, weight="Bolder", size="Small", **_align(index))], width)
        for index, (title, width) in enumerate(zip(titles, _WIDTHS, strict=True))
    ]
    return columns(cells, spacing="Medium", separator=True)


def _match_row(match: Match) -> Element:
    """One agreement as a table row: reference | title and provider | end date | value."""
    agreement = match.agreement
    middle = [text(shorten(agreement.title, _TITLE_LIMIT), size="Small"), subtle(shorten(agreement.provider, _PROVIDER_LIMIT), size="Small", spacing="None")]
    if match.problems:
        problems = words.PROBLEMS_PREFIX + join_sentences(match.problems)
        middle.append(text(shorten(problems, _PROBLEMS_LIMIT), size="Small", spacing="None"))
    if match.notes:
        middle.append(text(shorten(join_sentences(match.notes), _PROBLEMS_LIMIT), size="Small", spacing="None"))
    end = [text(words.day(agreement.current_end_date), size="Small")]
    if match.ended:
        end.append(text(words.ENDED, size="Small", color="Attention", weight="Bolder", spacing="None"))
    if match.not_started:
        end.append(text(words.NOT_STARTED, size="Small", color="Accent", weight="Bolder", spacing="None"))
    cells = [
        column([text(shorten(agreement.reference, _REFERENCE_LIMIT), size="Small", weight="Bolder")], _WIDTHS[0]),
        column(middle, _WIDTHS[1]),
        column(end, _WIDTHS[2]),
        column([text(money(agreement.value), size="Small", **_align(3))], _WIDTHS[3]),
    ]
    return columns(cells, spacing="Small", separator=True)


def join_sentences(parts: tuple[str, ...]) -> str:
    """`("No end date", "Unsigned.")` → `No end date. Unsigned.`: each part a sentence."""
    return " ".join(part if part.rstrip().endswith((".", "!", "?")) else part.rstrip() + "." for part in parts)


def _align(index: int) -> dict[str, str]:
    return {"horizontalAlignment": "Right"} if index == 3 else {}


def answer_text(answer: Answer, *, limit: int | None = DEFAULT_PAGE_SIZE) -> str:
    """The same essentials as plain text (for notifications, previews and clients without cards).

    Plain text, not Markdown: send it with `textFormat="plain"`. At most `limit` agreements
    are listed (all when `limit` is None) and the rest are counted, never dropped silently.
    """
    if answer.choices:
        lines = [answer.headline, words.CHOOSE_ONE]
        lines.extend(f"- {question}" for _title, question in answer.choices)
        return "\n".join(lines)
    if not answer.understood:
        lines = [answer.headline, words.TRY_THESE]
        lines.extend(f"- {example}" for example in answer.examples)
        return "\n".join(lines)
    lines = [answer.headline]
    if answer.interpretation:
        lines.append(answer.interpretation)
    lines.append(summary_line(answer))
    lines.extend(answer.details)
    if answer.group_by:
        return "\n".join(lines + breakdown_text(answer))
    shown = answer.matches if limit is None else answer.matches[: max(0, limit)]
    lines.extend(_match_line(match) for match in shown)
    if len(shown) < answer.count:
        lines.append(words.MORE_IN_TEXT.format(count=f"{answer.count - len(shown):,}"))
    return "\n".join(lines)


def _match_line(match: Match) -> str:
    agreement = match.agreement
    marks = [mark for mark, on in ((words.ENDED, match.ended), (words.NOT_STARTED, match.not_started)) if on]
    ends = words.day(agreement.current_end_date) + (f" ({', '.join(marks)})" if marks else "")
    line = f"- {agreement.reference}: {shorten(agreement.title, 200)} — {shorten(agreement.provider, 120)}; ends {ends}; {money(agreement.value)}"
    if match.problems:
        line += f"; {words.PROBLEMS_PREFIX}{join_sentences(match.problems)}"
    if match.notes:
        line += f"; {join_sentences(match.notes)}"
    return line
