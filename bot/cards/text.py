"""Text that goes into cards: register text shown as typed, and the words cards say.

Register text (references, titles, provider names, notes) and text people type are shown in
cards verbatim. A TextBlock or FactSet would read them as Markdown (`GR-2024-015` is safe there
only as `GR\\-2024\\-015`, and Teams mobile shows those backslashes), so cards put every piece of
text in the `TextRun`s of a `RichTextBlock`, which no Teams client reads as Markdown, HTML or a
mention: `literal_runs` is the one way text becomes card text. The activity `summary` is a plain
string outside the card and keeps `escape_text`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.values import format_date, format_money

# Characters a Markdown (CommonMark) renderer may treat as syntax, plus `{` `}` for the
# Adaptive Cards date functions. `<`, `>` and `&` become HTML entities instead.
_MARKDOWN_SPECIALS = frozenset("\\*_[]()#-+`~|!{}")
_LEADING_LIST_NUMBER = re.compile(r"^(\d+)\.")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = re.compile(r"\s+")
# Between two `{`: the renderers expand `{{DATE(...)}}` and `{{TIME(...)}}` inside one TextRun,
# never across two, so a run is split there and the braces still read as typed.
_BETWEEN_BRACES = re.compile(r"(?<=\{)(?=\{)")
# Control characters that are not whitespace: dropped from card text. Unicode puts every control
# character (category Cc) below U+0100 and never adds one, so this class is the whole set.
_CONTROLS = re.compile(
    "[" + "".join(re.escape(c) for c in map(chr, range(0x100)) if unicodedata.category(c) == "Cc" and not c.isspace()) + "]"
)

ELLIPSIS = "…"
# People read a card's "by whom and when" as the day it was in the office: London, GMT or BST.
LONDON = ZoneInfo("Europe/London")


def literal_runs(value: object) -> list[str]:
    """The TextRun texts that show `value` exactly as typed, in order.

    Whitespace runs (line breaks too) become one space, as they read in a cell; other control
    characters are dropped. The characters themselves are never escaped: a TextRun shows them as
    they are. Only `{{` is split over two runs, so no date function can form.
    """
    return _runs(_WHITESPACE.sub(" ", _CONTROLS.sub("", str(value if value is not None else ""))))


def line_runs(value: object) -> list[str]:
    """`literal_runs` of a whole line of card text: without the spaces at either end."""
    return _runs(_WHITESPACE.sub(" ", _CONTROLS.sub("", str(value if value is not None else ""))).strip())


def _runs(flat: str) -> list[str]:
    return [piece for piece in _BETWEEN_BRACES.split(flat) if piece]


def escape_text(value: object) -> str:
    """Text for a plain string Teams may read as Markdown (the activity `summary`), shown as typed.

    Never used inside a card: card text goes in TextRuns (`literal_runs`).
    """
    raw = str(value if value is not None else "")
    text = " ".join(_CONTROLS.sub("", raw).split())
    parts: list[str] = []
    for char in text:
        if char in _ENTITIES:
            parts.append(_ENTITIES[char])
        elif char in _MARKDOWN_SPECIALS:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return _LEADING_LIST_NUMBER.sub(r"\1\\.", "".join(parts))


def shorten(value: object, limit: int) -> str:
    """At most `limit` characters, ending in `…` when cut; whitespace runs become one space.

    Only cell text is shortened; the list itself is never cut short silently.
    """
    text = " ".join(str(value if value is not None else "").split())
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


SUMMARY_CHARS = 200


def summary_text(value: object) -> str:
    """An activity's `summary` (Teams' notification and chat-list preview): shortened and escaped
    like every other piece of register text, because it carries the same headlines and titles."""
    return escape_text(shorten(value, SUMMARY_CHARS))


def money(amount: Decimal | None) -> str:
    """`£125,000`, or `no value` when the register has none."""
    return format_money(amount) if amount is not None else NO_VALUE


def day(value: date | None) -> str:
    """`31 Mar 2027`, or `no date` when the register has none."""
    return format_date(value) if value is not None else NO_DATE


def london_day(moment: datetime) -> date:
    """The calendar day `moment` fell on in London: 23:30 UTC on 30 Mar 2027 (BST) is 31 Mar.

    A moment without a zone is UTC, as the database stores it (SQLite hands them back naive).
    """
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 agreement`, `2 agreements`."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


# --- Words the cards say (tests assert against these) ---------------------------------

NO_VALUE = "no value"
NO_DATE = "no date"
NOT_RECORDED = "not recorded"
ENDED = "ended"
NOT_STARTED = "not started"
NO_MATCHES = "No agreements match this question."
SHOW_MORE = "Show more"
SHOWING = "Showing {first}–{last} of {count}"
WITHOUT_VALUE = "{count} without a value"
TOTAL = "{agreements}, total {total}"
COLUMN_REFERENCE = "Reference"
COLUMN_AGREEMENT = "Agreement"
COLUMN_ENDS = "Ends"
COLUMN_VALUE = "Value"
PROBLEMS_PREFIX = "Problems: "
MORE_NOTES = "…and {count} more notes"
MORE_IN_TEXT = "…and {count} more not listed here. Ask in Teams and press “Show more”, or narrow the question."

YOU_ASKED = "You asked: “{question}”"
TRY_THESE = "Try one of these, or type help:"
CHOOSE_ONE = "Choose one, and I'll answer for exactly those dates:"

WELCOME_TITLE = "Commissioning register"
WELCOME_TEXT = (
    "Ask me about the register's contracts, grants and partnerships in plain English. "
    "Every answer says exactly which dates and filters I used."
)
WELCOME_CHANNEL_TIP = "In a channel or group chat, @mention me before your question."
WELCOME_HELP_TIP = "Type help at any time to see what I can answer."

HELP_TITLE = "What you can ask"
# Help topics; "{place}", "{provider}" and "{reference}" questions come from the asker's register.
HELP_TOPICS: tuple[tuple[str, str], ...] = (
    ("Ending soon", "which grants expire this quarter? · contracts ending in the next 90 days · what ends by 31/03/2027?"),
    ("By place or provider", "{place} · {provider} · grants over £100k"),
    ("One agreement", "{reference} · tell me about the ISVA contract"),
    ("Totals", "how many grants do we have? · total value per provider"),
    ("Data quality", "data quality problems · which agreements have no contact?"),
)
_HELP_NAMED = {
    "place": ("what do we fund in ", "what do we fund in an area? (name it as the register does)"),
    "provider": ("what do we fund with ", "what do we fund with a provider?"),
    "reference": ("who is the contact for ", "who is the contact for an agreement? (give its reference)"),
}
STAFF_COMMANDS_TITLE = "What you can do (commissioning staff)"
# What staff can type besides questions; "{reference}" is one of the asker's own agreements.
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("Decide how it ends", "extend {reference} by 1 year · re-commission {reference} · let {reference} end"),
    ("Payments", "record payment for {reference} £12,500 paid 3 Dec"),
    ("Monitoring", "returns awaiting assessment · assess {reference}"),
    ("Alerts", "send alerts here · stop alerts here (in the contracts channel)"),
    ("The register", "sync the register · publish the register"),
)
STAFF_COMMANDS_NOTE = "Decisions and payments are recorded with your name and the time, once; the alert cards update to show them."
_NO_REFERENCE = "REF"
# Questions that name nothing in a register, for help shown without one.
GENERAL_QUESTIONS: tuple[str, ...] = (
    "which grants expire this quarter?",
    "how many contracts end in the next 90 days?",
    "which agreements have extension options left?",
    "data quality problems",
)


def help_topics(examples: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The help topics, naming the register's own place, provider and reference where `examples` have them."""
    chosen = {
        name: next((q for q in examples if q.startswith(prefix)), fallback)
        for name, (prefix, fallback) in _HELP_NAMED.items()
    }
    return tuple((topic, said.format(**chosen)) for topic, said in HELP_TOPICS)


def staff_commands(examples: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The commands staff can type, naming one of their own agreements where `examples` have one."""
    prefix = _HELP_NAMED["reference"][0]
    question = next((q for q in examples if q.startswith(prefix)), "")
    reference = question[len(prefix):].rstrip("?").strip() or _NO_REFERENCE
    return tuple((topic, said.format(reference=reference)) for topic, said in STAFF_COMMANDS)


HELP_PERIODS = (
    "Quarters and “this year” are financial (1 April – 31 March) unless you say calendar. "
    "Terminated and draft agreements are left out unless you ask for them."
)

# The questions offered as buttons, in the help and welcome cards and in the Teams app's
# command list (manifest/manifest.template.json keeps the same list; a test checks).
EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "which grants expire this quarter?",
    "what do we fund in Southwark?",
    "who is the contact for OPCC-2023-014?",
    "data quality problems",
    "help",
)

SIGNED_WORDS = {"both": "signed by both parties", "ours": "signed by us only", "none": "not signed"}
KIND_WORDS = {"contract": "Contract", "grant": "Grant", "partnership": "Partnership"}
STATUS_WORDS = {"active": "Active", "draft": "Draft", "terminated": "Terminated"}
