"""Questions the bot must refuse rather than answer: requests to act, to judge, or about what the register lacks.

"Email all providers about their overdue returns" is not "which returns are overdue", and "should we
renew the X contract?" is not "tell me about the X contract": answering either as if it were would be
an answer to a different question. Such requests are refused in plain words, with the nearest
question the bot can answer offered instead (the engine checks that it can).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

ACT, JUDGE, NOT_HELD = "act", "judge", "not_held"

# "Can you …", "I need you to …": what comes before an instruction.
_ASKING = r"^(?:(?:can|could|would|will) you |(?:i (?:need|want|would like) you to |i'd like you to |go (?:and )?|now |just |then |and )?)*"
ACTION = re.compile(
    # "email for GR-2024-015" and "phone number for X" ask for a field, not for an email or a call.
    _ASKING + r"(?P<verb>e-?mail(?!\s*(?:address(?:es)?|for|of|on|details|contacts?|[?]|$))|send (?!me\b)|message|notify|remind|chase|cancel|terminate|renew|extend|approve|reject|pay"
    r"|sign|delete|remove|update|change|edit|amend|create|book|schedule|award|write to|ring|phone(?!\s*(?:numbers?|no\.?|for|of|[?]|$)))\b"
)
JUDGEMENT = re.compile(
    r"\bshould (?:we|i|they|the \w+)\b|\b(?:the )?(?:best|worst|better|worse)\b|\brecommend\w*\b|\badvi[sc]e\b"
    r"|\bis it worth\b|\bworth (?:renewing|keeping|extending|continuing)\b|\bvalue for money\b|\bgood value\b"
    r"|\bperforming (?:well|badly|poorly)\b|\bprioriti[sz]e\b"
)
NOT_IN_REGISTER = re.compile(
    r"\b(?P<what>budgets?|staff(?:ing)?(?: numbers?| levels?)?|headcount|employees?|salar(?:y|ies)|fte|crime (?:rates?|figures|levels?|statistics|stats)"
    r"|underspends?|overspends?|forecasts?)\b"
)

_ACT_WORDS = {
    "email": "send emails", "e-mail": "send emails", "send": "send anything", "message": "send messages",
    "notify": "send notifications", "remind": "send reminders", "chase": "chase anyone", "write to": "write to anyone",
    "ring": "phone anyone", "call": "phone anyone", "phone": "phone anyone",
    "pay": "make payments", "approve": "approve anything", "reject": "reject anything", "sign": "sign anything",
}

_NOT_HELD_WORDS = {
    "budget": "budgets", "staff": "staff numbers", "staffing": "staffing", "employee": "staff numbers",
    "employees": "staff numbers", "headcount": "staff numbers", "fte": "staff numbers", "salary": "salaries",
    "underspend": "underspends", "overspend": "overspends", "forecast": "forecasts",
}
# Verbs left at the start of what remains ("renew the X contract"): the nearest question drops them.
LEADING_VERBS = re.compile(
    r"^(?:(?:we |i |they )?(?:renew|extend|cancel|terminate|approve|reject|pay|keep|continue|fund|e-?mail|chase|remind|notify|contact|send|sign)(?:ing)?\s+)+"
)


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    # The words of the request, with the refused part taken out: where the nearest question is found.
    rest: str


def refusal(lowered: str, name_words: Collection[str] = ()) -> Refusal | None:
    """The refusal for a request the register cannot honestly answer, or None for a real question.

    `name_words` are words of the register's own names: "Best Start Trust" is a provider, not a judgement.
    """
    action = ACTION.match(lowered)
    if action:
        verb = action.group("verb").strip()
        doing = _ACT_WORDS.get(verb, "change the register or act on it")
        message = f"I can't {doing} — I can only tell you what the register holds."
        return Refusal(ACT, message, lowered[action.end():])
    for match in JUDGEMENT.finditer(lowered):
        if not set(match.group(0).split()) & set(name_words):
            message = (
                "I can't judge or advise (what is best, or what we should do) — I can tell you the facts the "
                "register holds, so you can decide."
            )
            return Refusal(JUDGE, message, lowered[: match.start()] + " " + lowered[match.end():])
    held = NOT_IN_REGISTER.search(lowered)
    if held and not set(held.group(0).split()) & set(name_words):
        what = held.group("what")
        what = _NOT_HELD_WORDS.get(what, what)
        message = (
            f"The register doesn't hold {what} — it holds agreements: their values, dates, providers, funding "
            "streams, areas, contacts and monitoring."
        )
        return Refusal(NOT_HELD, message, lowered[: held.start()] + " " + lowered[held.end():])
    return None


HERE_IS_WHAT = "Here is what I can tell you:"
