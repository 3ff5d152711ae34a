"""A prompt that takes typed text or a card button's data, checked by the dialog's validator.

The SDK's text prompt fails on card submits, which arrive with no text (TEAMS-NOTES trap 6);
this one recognises both and leaves every decision to the validator, which says what was
wrong and re-asks in its own words.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.dialogs.prompts import Prompt, PromptOptions, PromptRecognizerResult
from botbuilder.schema import ActivityTypes

from dialogs.turn import card_data_of, text_of

BACK = "back"


class AnswerPrompt(Prompt):
    """Recognises `{"text": ..., "data": ...}`; the validator turns it into the step's result."""

    async def on_prompt(self, turn_context: TurnContext, state: dict[str, Any], options: PromptOptions, is_retry: bool) -> None:
        if is_retry and options.retry_prompt is not None:
            await turn_context.send_activity(options.retry_prompt)
        elif options.prompt is not None:
            await turn_context.send_activity(options.prompt)

    async def on_recognize(self, turn_context: TurnContext, state: dict[str, Any], options: PromptOptions) -> PromptRecognizerResult:
        result = PromptRecognizerResult()
        if turn_context.activity.type == ActivityTypes.message:
            data = card_data_of(turn_context)
            result.succeeded = True
            result.value = {"text": text_of(turn_context), "data": dict(data) if data is not None else None}
        return result


def is_back(result: Any) -> bool:
    return isinstance(result, dict) and result.get("command") == BACK


def pick(text: str, data: dict[str, Any] | None, choices: list[str], labels: list[str]) -> str | None:
    """A choice by card data `{"choice": ...}`, list number, exact choice or label, or a unique prefix."""
    if data and isinstance(data.get("choice"), str):
        return data["choice"] if data["choice"] in choices else None
    words = text.strip().lower().rstrip(".")
    if words.isdigit() and 1 <= int(words) <= len(choices):
        return choices[int(words) - 1]
    for choice, label in zip(choices, labels):
        if words in (choice.lower(), label.lower()):
            return choice
    if words:
        starts = [c for c, l in zip(choices, labels) if c.lower().startswith(words) or l.lower().startswith(words)]
        if len(starts) == 1:
            return starts[0]
    return None


def numbered(labels: list[str]) -> str:
    return "\n\n".join(f"{number}. {label}" for number, label in enumerate(labels, start=1))
