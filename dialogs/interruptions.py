"""What people type mid-dialog that is not an answer: a command, or a register question.

"save for later", "cancel", "help", "back" and "continue" work at every prompt of the check-in
and the assessment, in any case and with a small typo ("cancle", "hepl", "save for latr"). A typo
is forgiven by edit distance (one letter swapped, missing, extra or wrong; two in the long phrases),
never by similarity alone; short commands forgive only two letters swapped ("bakc"), so a real
answer such as "black", "same" or "edit" is never taken for "back", "save" or "exit".

A message that reads as a question ("which grants expire this quarter?") is offered to the register
first; if the register understands it, it is answered and the prompt asked again, the return kept.
"""

from __future__ import annotations

import re

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from rapidfuzz.distance import OSA

from dialogs import checkin_text as say
from dialogs.turn import answer_question, card_data_of, text_of

SAVE = "save"
CANCEL = "cancel"
HELP = "help"
BACK = "back"
CONTINUE = "continue"

# Every way of saying each command that is recognised exactly, before typos are considered.
PHRASES: dict[str, tuple[str, ...]] = {
    SAVE: ("save for later", "save", "save it", "save and exit", "save and stop", "finish later", "later",
           "do it later", "carry on later", "save my return", "save for now"),
    CANCEL: ("cancel", "stop", "quit", "exit", "cancel that", "cancel this", "stop this"),
    HELP: ("help", "help me", "help please", "what can i say", "what do i type", "i need help", "?"),
    BACK: ("back", "go back", "previous", "previous question", "undo"),
    CONTINUE: ("continue", "carry on", "go on", "next", "resume", "keep going", "where was i"),
}
_EXACT = {phrase: command for command, phrases in PHRASES.items() for phrase in phrases}
_PUNCTUATION = " .!,;:'\"\u2019"
# Phrases shorter than this forgive only two neighbouring letters swapped: one wrong letter
# turns too many short commands into real words.
SHORT = 6
_QUESTION_START = re.compile(
    r"^(?:which|what|whats|what's|how|when|who|whose|where|list|show|tell|are\s+there|is\s+there|do\s+we|does|did|"
    r"have\s+we|has|any|can\s+you\s+(?:show|list|tell))\b",
    re.IGNORECASE,
)


def command_of(text: str | None) -> str | None:
    """The command `text` means (SAVE, CANCEL, HELP, BACK, CONTINUE), allowing a small typo; else None."""
    words = " ".join((text or "").lower().split()).strip(_PUNCTUATION)
    if words in ("?", "??"):
        return HELP
    words = words.rstrip("?").strip(_PUNCTUATION)
    if not words or len(words) > 30:
        return None
    if words in _EXACT:
        return _EXACT[words]
    best: tuple[int, str] | None = None
    for phrase, command in _EXACT.items():
        if len(phrase) < 4 or abs(len(phrase) - len(words)) > 2:
            continue
        if len(phrase) < SHORT and not _swapped(words, phrase):
            continue  # "black", "same", "edit" and "water" are answers, not "back", "save", "exit", "later"
        allowed = 2 if len(phrase) >= 10 else 1
        distance = OSA.distance(words, phrase, score_cutoff=allowed)
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, command)
    return best[1] if best else None


def _swapped(words: str, phrase: str) -> bool:
    """Two neighbouring letters swapped ("bakc", "hlep"): the one typo short words are forgiven."""
    if len(words) != len(phrase) or words == phrase:
        return False
    differ = [i for i, (a, b) in enumerate(zip(words, phrase, strict=True)) if a != b]
    return len(differ) == 2 and differ[1] == differ[0] + 1 and words[differ[0]] == phrase[differ[1]] and words[differ[1]] == phrase[differ[0]]


def looks_like_question(text: str | None) -> bool:
    """Worth offering to the register: ends with "?" or opens like a question ("which …", "how many …")."""
    words = " ".join((text or "").split())
    if len(words) < 6 or command_of(words) is not None:
        return False
    return words.endswith("?") or bool(_QUESTION_START.match(words))


async def interrupted(inner_dc: DialogContext, *, stopped: str, saved: str) -> DialogTurnResult | None:
    """Handle a command or register question typed at any prompt; None when it is an answer.

    "cancel" says `stopped` and "save for later" says `saved`, both ending the dialog (what was
    given is already saved); "continue" asks the prompt again; a question the register understands
    is answered, then the prompt is asked again. "help" and "back" depend on the prompt, so the
    prompt's validator handles them (through `command_of`).
    """
    context = inner_dc.context
    if card_data_of(context) is not None:
        return None
    text = text_of(context)
    command = command_of(text)
    if command in (CANCEL, SAVE):
        await context.send_activity(stopped if command == CANCEL else saved)
        return await inner_dc.cancel_all_dialogs()
    if command == CONTINUE:
        await context.send_activity(say.CARRYING_ON)
        await inner_dc.reprompt_dialog()
        return Dialog.end_of_turn
    if looks_like_question(text) and await answer_question(context, text):
        await context.send_activity(say.BACK_TO_IT)
        await inner_dc.reprompt_dialog()
        return Dialog.end_of_turn
    return None
