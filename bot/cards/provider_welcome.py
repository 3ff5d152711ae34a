"""A provider's own cards: the welcome on their first chat, and "what's due".

Providers do different things from staff: they send monitoring returns. Their welcome says what
they can type ("check in", "my returns", "what's due", each a button), lists the agreements they
report on and names the next return due with a button to start it. Register text is escaped like
every other card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.cards.elements import Element, ask_button, button_list, card, container, facts, heading, submit, subtle, text
from bot.cards.text import shorten
from dialogs.intents import START_RETURN
from dialogs.provider_home import DueReturn
from domain.agreement import Agreement
from domain.monitoring import IN_PROGRESS, OVERDUE, QUERIED, UPCOMING
from domain.values import format_date

WELCOME_COMMANDS = ("check in", "my returns", "what's due")
MAX_AGREEMENTS = 8
MAX_DUE = 10
STATE_WORDS = {OVERDUE: "overdue", IN_PROGRESS: "started, not sent", QUERIED: "queried: please look again", UPCOMING: "not open yet"}


def provider_welcome_card(providers: Sequence[str], agreements: Sequence[Agreement], due: Sequence[DueReturn]) -> Element:
    """What a provider can do here, the agreements they report on, and the next return due."""
    names = ", ".join(providers) or "your organisation"
    body: list[Element] = [
        heading(f"Welcome, {shorten(names, 120)}"),
        text("Send your monitoring returns here, and ask about your agreements. Try:"),
        button_list([ask_button(command) for command in WELCOME_COMMANDS], spacing="Small"),
    ]
    if agreements:
        body.append(text(f"Your agreements ({len(agreements)})", weight="Bolder", spacing="Medium"))
        body.append(facts([(a.reference, shorten(a.title, 80)) for a in agreements[:MAX_AGREEMENTS]]))
        if len(agreements) > MAX_AGREEMENTS:
            body.append(subtle(f"And {len(agreements) - MAX_AGREEMENTS} more: type 'my returns' to see them all.", spacing="None"))
    else:
        body.append(subtle("No agreements with monitoring returns are listed for you yet. If that looks wrong, ask your contract manager."))
    actions: list[Element] = []
    if due:
        first = due[0]
        body.append(text("Next return due", weight="Bolder", spacing="Medium"))
        body.append(text(due_line(first)))
        if first.state != UPCOMING:
            actions.append(_start(first))
    elif agreements:
        body.append(subtle("No returns are due right now."))
    body.append(subtle("Type 'help' at any time, or 'cancel' to stop a return (your answers are kept).", spacing="Medium"))
    return card(body, actions, fallback_text=f"Welcome, {names}: type 'check in' to send a monitoring return.")


def due_card(due: Sequence[DueReturn]) -> Element:
    """ "what's due": each return that can be sent now (or the next one coming), oldest due first."""
    if not due:
        return card([heading("Nothing is due"), text("You have no monitoring returns to send right now.")],
                    fallback_text="Nothing is due")
    open_now = [d for d in due if d.state != UPCOMING]
    title = (f"{len(open_now)} return{'s' if len(open_now) != 1 else ''} to send" if open_now
             else "Nothing is due yet: the next returns")
    body: list[Element] = [heading(title)]
    for item in due[:MAX_DUE]:
        # Each return's button sits under its own line: a row of them side by side runs off a narrow card.
        items = [text(due_line(item))]
        if item.state != UPCOMING:
            items.append({"type": "ActionSet", "actions": [_start(item)]})
        body.append(container(items, separator=True))
    if len(due) > MAX_DUE:
        body.append(subtle(f"And {len(due) - MAX_DUE} more, due later."))
    return card(body, fallback_text=title)


def due_line(item: DueReturn) -> str:
    """ "OPCC-2023-014 Independent advisers: Q2 2026/27 return, due 15 Oct 2026 (overdue)" (raw text)."""
    state = STATE_WORDS.get(item.state, "")
    line = f"{item.agreement.reference} {shorten(item.agreement.title, 60)}: {item.period.label} return, due {format_date(item.period.due)}"
    return f"{line} ({state})" if state else line


def _start(item: DueReturn) -> dict[str, Any]:
    title = f"Start {item.agreement.reference} {item.period.label}"
    if item.state in (IN_PROGRESS, QUERIED):
        title = f"Continue {item.agreement.reference} {item.period.label}"
    return submit(shorten(title, 60), {"action": START_RETURN, "reference": item.agreement.reference, "period": item.period.label})
