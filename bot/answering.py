"""The one use case behind a chat message: answer a register question for whoever asked it.

The caller's role decides what they see: staff the whole register, a provider contact only
their organisation's agreements (filtered before the question engine runs), anyone else
only help. The reply is plain data; `bot/handler.py` turns it into a card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.incoming import Ask, ShowHelp
from bot.roles import Caller, StaffRule, identify, visible_register
from domain.agreement import Agreement
from domain.answers import Answer

NOT_REGISTERED = (
    "I can only answer questions for commissioning staff and registered provider contacts. "
    "If you should have access, ask your contract manager to add your work email to the register."
)
NO_EMAIL = (
    "I could not confirm who you are just now, so I can only show help. Please try again in a minute."
)


class Register(Protocol):
    async def current(self) -> Sequence[Agreement]: ...


@dataclass(frozen=True)
class Reply:
    """What to show: an answer (one page of it), the help card, or help with a note."""

    answer: Answer | None = None
    page: int = 0
    help: bool = False
    note: str = ""


QuestionEngine = Callable[[str, Sequence[Agreement], date], Answer]


def default_engine(text: str, register: Sequence[Agreement], today: date) -> Answer:
    """The question engine (imported when first used, so the server starts without it)."""
    from bot.questions import answer_question

    return answer_question(text, register, today)


class Assistant:
    """Answers questions against the current register, seen through the caller's role."""

    def __init__(
        self,
        register: Register,
        staff: StaffRule,
        today: Callable[[], date],
        engine: QuestionEngine = default_engine,
    ) -> None:
        self._register = register
        self._staff = staff
        self._today = today
        self._engine = engine

    async def caller(self, email: str) -> Caller:
        return identify(email, await self._register.current(), self._staff)

    async def respond(self, request: Ask | ShowHelp, email: str) -> Reply:
        if isinstance(request, ShowHelp):
            return Reply(help=True)
        register = await self._register.current()
        caller = identify(email, register, self._staff)
        if not caller.may_ask:
            return Reply(help=True, note=NOT_REGISTERED if email else NO_EMAIL)
        visible = visible_register(caller, register)
        answer = self._engine(request.question, visible, self._today())
        return Reply(answer=answer, page=request.page)

