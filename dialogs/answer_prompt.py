"""A prompt that takes typed text or a card button's data, checked by the dialog's validator.

The SDK's text prompt fails on card submits, which arrive with no text (docs/teams-sdk.md trap 6);
this one recognises both and leaves every decision to the validator, which says what was
wrong and re-asks in its own words.

What to say is kept in the prompt's options as plain text and card JSON (`ask(...)`), not as
an SDK `Activity`: dialog state is flattened with jsonpickle two or three times a turn, and
an `Activity` object costs many times more to flatten than the same words as a string.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.dialogs.prompts import Prompt, PromptOptions, PromptRecognizerResult
from botbuilder.schema import ActivityTypes, InputHints

from dialogs.turn import card_data_of, text_of

BACK = "back"
SAY = "say"
CARD = "card"


class AnswerPrompt(Prompt):
    """Recognises `{"text": ..., "data": ...}`; the validator turns it into the step's result."""

    async def on_prompt(self, turn_context: TurnContext, state: dict[str, Any], options: PromptOptions, is_retry: bool) -> None:
        if is_retry and options.retry_prompt is not None:
            await turn_context.send_activity(options.retry_prompt)
        elif options.prompt is not None:
            await turn_context.send_activity(options.prompt)
        else:
            rules = options.validations or {}
            card = rules.get(CARD)
            activity = (
                MessageFactory.attachment(CardFactory.adaptive_card(card), text=rules.get(SAY))
                if card
                else MessageFactory.text(rules.get(SAY, ""))
            )
            activity.input_hint = InputHints.expecting_input
            await turn_context.send_activity(activity)

    async def on_recognize(self, turn_context: TurnContext, state: dict[str, Any], options: PromptOptions) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        if turn_context.activity.type == ActivityTypes.message:
            data = card_data_of(turn_context)
            result.succeeded = True
            result.value = {"text": text_of(turn_context), "data": dict(data) if data is not None else None}
        return result


def ask(say: str, *, card: dict[str, Any] | None = None, **rules: Any) -> PromptOptions:
    """Prompt options that say `say` (with `card` attached) and carry the validator's `rules`."""
    return PromptOptions(validations={SAY: say, CARD: card, **rules})


def is_back(result: Any) -> bool:
    return isinstance(result, dict) and result.get("command") == BACK


def pick(text: str, data: dict[str, Any] | None, choices: list[str], labels: list[str]) -> str | None:
    """A choice by card data `{"choice": ...}`, list number, exact choice or label, or a unique prefix."""
    if data and isinstance(data.get("choice"), str):
        return data["choice"] if data["choice"] in choices else None
    words = text.strip().lower().rstrip(".")
    if words.isdigit() and 1 <= int(words) <= len(choices):
        return choices[int(words) - 1]
    for choice, label in zip(choices, labels, strict=True):
        if words in (choice.lower(), label.lower()):
            return choice
    if words:
        starts = [c for c, l in zip(choices, labels, strict=True) if c.lower().startswith(words) or l.lower().startswith(words)]
        if len(starts) == 1:
            return starts[0]
    return None


def numbered(labels: list[str]) -> str:
    return "\n\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
