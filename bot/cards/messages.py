"""Cards that are not answers: welcome on install, help, and "I didn't understand".

Example questions are buttons: pressing one asks it, and Teams shows it in the chat as
if the user had typed it.
"""

from __future__ import annotations

from bot.cards import text as words
from bot.cards.elements import Element, ask_button, button_list, card, container, facts, heading, subtle, text
from bot.cards.notes import detail_lines
from bot.cards.text import EXAMPLE_QUESTIONS, shorten

# More than six example buttons would bury the answer.
MAX_BUTTONS = 6
_QUESTION_LIMIT = 300


def not_understood_card(answer: object) -> Element:
    """An honest "I didn't understand", the question echoed, and examples that work."""
    headline = getattr(answer, "headline", "") or "I didn't understand that question."
    question = getattr(answer, "question", "")
    examples = tuple(getattr(answer, "examples", ()) or EXAMPLE_QUESTIONS)
    body: list[Element] = [heading(shorten(headline, _QUESTION_LIMIT))]
    if question:
        body.append(subtle(words.YOU_ASKED.format(question=shorten(question, _QUESTION_LIMIT)), spacing="None"))
    body.extend(detail_lines(tuple(getattr(answer, "details", ()))))
    choices = tuple(getattr(answer, "choices", ()))
    if choices:
        # Each reading is the question asked again with its exact dates: pressing one answers it.
        body.append(text(words.CHOOSE_ONE, spacing="Medium"))
        body.append(button_list([ask_button(question, title) for title, question in choices], spacing="Small"))
        return card(body, fallback_text=headline)
    body.append(text(words.TRY_THESE, spacing="Medium"))
    body.append(button_list(_buttons(examples), spacing="Small"))
    return card(body, fallback_text=headline)


def welcome_card() -> Element:
    """Sent when the app is installed: what the bot is for and what to ask first."""
    body = [
        heading(words.WELCOME_TITLE),
        text(words.WELCOME_TEXT),
        subtle(words.WELCOME_CHANNEL_TIP, spacing="Small"),
        subtle(words.WELCOME_HELP_TIP, spacing="None"),
        button_list(_buttons(EXAMPLE_QUESTIONS), spacing="Medium"),
    ]
    return card(body, fallback_text=words.WELCOME_TEXT)


def help_card(examples: tuple[str, ...] = (), *, staff: bool = False) -> Element:
    """What kinds of question work, with examples of each, and the rules for dates.

    `examples` are questions about the asker's own register (`QuestionEngine.examples`): the topics
    and buttons then name its real references, providers and areas. Without them (someone who may
    not see the register) the card names nothing in it. `staff` adds what commissioning staff can
    type besides questions (decisions, payments, alerts, sync, publish), which only they may do.
    """
    topics = words.help_topics(examples)
    body = [
        heading(words.HELP_TITLE),
        facts([(topic, said) for topic, said in topics]),
        container([subtle(words.HELP_PERIODS), subtle(words.WELCOME_CHANNEL_TIP, spacing="Small")], spacing="Medium"),
    ]
    if staff:
        body += [
            text(words.STAFF_COMMANDS_TITLE, weight="Bolder", spacing="Large"),
            facts(list(words.staff_commands(examples))),
            subtle(words.STAFF_COMMANDS_NOTE, spacing="Small"),
        ]
    questions = tuple(q for q in (examples or words.GENERAL_QUESTIONS) if q != "help")
    body.append(button_list(_buttons(questions), spacing="Medium"))
    return card(body, fallback_text=words.HELP_TITLE)


def _buttons(questions: tuple[str, ...]) -> list[Element]:
    return [ask_button(question) for question in questions[:MAX_BUTTONS]]

