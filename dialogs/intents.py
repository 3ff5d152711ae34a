"""Which return conversation a message starts, read from its text or card data.

Recognised by whole-phrase patterns, not by a word appearing anywhere, so a provider
typing "we checked in with clients" as an outcome is still an answer, not a command.
Card buttons carry `{"action": ..., ...}`; anything else here is None, and the handler
goes on to read the message as a register question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHECK_IN = "check_in"
AWAITING_ASSESSMENT = "awaiting_assessment"
WHATS_DUE = "whats_due"
ASSESS = "assess"
RETURN_BUTTON = "return_button"
CANCEL = "cancel"

# Card actions the return cards carry.
START_RETURN = "start_return"
SUBMIT_RETURN = "submit_return"
CHANGE_ANSWER = "change_answer"
SAVE_RETURN = "save_return"
ASSESS_RETURN = "assess_return"
ASSESS_DECISION = "assess_decision"
# A page of "returns awaiting assessment" (card data carries the page).
AWAITING_ACTION = "awaiting_assessment"
# Teams asking for an assessment card as it stands now (Universal Actions refresh).
ASSESS_REFRESH = "assess_refresh"
# Teams asking for a return's summary card as it stands now (Universal Actions refresh).
RETURN_REFRESH = "return_refresh"
# Teams asking for the channel's notice of a submitted return as it stands now.
NOTICE_REFRESH = "return_notice_refresh"
RETURN_ACTIONS = (SUBMIT_RETURN, CHANGE_ANSWER, SAVE_RETURN)
# The one-card return form: open it, and send it back filled in.
OPEN_RETURN_FORM = "open_return_form"
SUBMIT_RETURN_FORM = "submit_return_form"
FORM_ACTIONS = (OPEN_RETURN_FORM, SUBMIT_RETURN_FORM)

_CHECK_IN = re.compile(
    r"^(?:please\s+)?(?:"
    r"check[\s-]?in"
    r"|(?:start|begin|continue|resume|finish|complete|do|fill\s+in|open)\s+(?:my|our|the|a)?\s*(?:monitoring\s+)?return"
    r"|my\s+(?:monitoring\s+)?return"
    r")(?:\s+for\s+(?P<reference>[A-Za-z0-9][\w/.-]*))?(?:\s+(?P<period>(?:q[1-4]|h[12])(?:\s+\d{4}/\d{2})?))?\s*[.!]?$",
    re.IGNORECASE,
)
_FORM = re.compile(
    r"^(?:please\s+)?(?:check[\s-]?in\s+with\s+(?:a|the)\s+form|(?:my\s+|the\s+|a\s+)?return\s+form"
    r"|fill\s+in\s+(?:my\s+return\s+)?on\s+one\s+card)"
    r"(?:\s+for\s+(?P<reference>[A-Za-z0-9][\w/.-]*))?(?:\s+(?P<period>(?:q[1-4]|h[12])(?:\s+\d{4}/\d{2})?))?\s*[.!]?$",
    re.IGNORECASE,
)
_AWAITING = re.compile(
    r"^(?:show\s+(?:me\s+)?)?(?:(?:the\s+)?returns?\s+(?:awaiting|waiting\s+for|for|to\s+)\s*assess(?:ment)?|assess\s+returns)\s*[?.!]?$",
    re.IGNORECASE,
)
_WHATS_DUE = re.compile(
    r"^(?:what(?:'|\u2019)?s|what\s+is|what\s+have\s+i\s+got|what\s+do\s+(?:i|we)\s+owe)(?:\s+(?:due|owed))?(?:\s+next|\s+now)?\s*[?.!]?$",
    re.IGNORECASE,
)
_ASSESS_ONE = re.compile(r"^assess\s+(?:the\s+)?(?:return\s+for\s+)?(?P<reference>[A-Za-z0-9][\w/.-]*)\s*$", re.IGNORECASE)


def submission_round(submitted_at: datetime | None) -> str:
    """Which submission a summary card belongs to: when the return was last submitted ("" for never).

    A return is submitted again after a query, so a card from before the query carries an older
    round than the stored return: its Submit is stale, not a resubmission.
    """
    return submitted_at.isoformat() if submitted_at else ""


@dataclass(frozen=True)
class Intent:
    """What the message asks for; `data` holds a card button's fields as sent (untrusted)."""

    name: str
    reference: str = ""
    period: str = ""
    data: Mapping[str, Any] | None = None
    # "continue my return": go straight back to the draft when there is just one.
    resume: bool = False
    # "return form": answer the whole return on one card instead of question by question.
    form: bool = False


def recognise(text: str | None, value: Any) -> Intent | None:
    """The return conversation this message starts or belongs to, or None."""
    if isinstance(value, Mapping) and isinstance(value.get("action"), str):
        return _from_card(value)
    words = " ".join((text or "").split())
    if not words:
        return None
    match = _FORM.match(words)
    if match:
        return Intent(CHECK_IN, match.group("reference") or "", (match.group("period") or "").upper(), resume=True, form=True)
    match = _CHECK_IN.match(words)
    if match:
        resume = words.lower().split()[0] in ("continue", "resume", "finish", "complete")
        return Intent(CHECK_IN, match.group("reference") or "", (match.group("period") or "").upper(), resume=resume)
    if _AWAITING.match(words):
        return Intent(AWAITING_ASSESSMENT)
    if _WHATS_DUE.match(words) and re.search(r"due|owe", words, re.IGNORECASE):
        return Intent(WHATS_DUE)
    match = _ASSESS_ONE.match(words)
    if match and match.group("reference").lower() not in ("returns", "return"):
        return Intent(ASSESS, match.group("reference"))
    return None


def _from_card(value: Mapping[str, Any]) -> Intent | None:
    action = value["action"]
    if action == START_RETURN:
        reference = value.get("reference")
        period = value.get("period")
        return Intent(
            CHECK_IN,
            reference if isinstance(reference, str) else "",
            period if isinstance(period, str) else "",
            data=value,
        )
    if action in RETURN_ACTIONS or action in FORM_ACTIONS:
        return Intent(RETURN_BUTTON, data=value)
    if action in (ASSESS_RETURN, ASSESS_DECISION, ASSESS_REFRESH):
        return Intent(ASSESS, data=value)
    if action == AWAITING_ACTION:
        return Intent(AWAITING_ASSESSMENT, data=value)
    return None
