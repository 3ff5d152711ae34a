"""The one use case behind a chat message: answer a register question for whoever asked it.

The caller's role decides what they see: staff the whole register, a provider contact only
their organisation's agreements (filtered before the question engine runs), anyone else
only help. The reply is plain data; `bot/teams/handler.py` turns it into a card.

Building a question engine indexes the register's names, which is too slow to repeat for
every question at 10,000 agreements, so engines are kept per (register version, view).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.requests import Ask, ShowHelp
from bot.roles import Caller, Role, StaffRule, identify, visible_register
from domain.agreement import Agreement
from domain.answers import Answer
from domain.monitoring import ReturnStatus
from domain.payments import Instalment

NOT_REGISTERED = (
    "I can only answer questions for commissioning staff and registered provider contacts. "
    "If you should have access, ask your contract manager to add your work email to the register."
)
NO_EMAIL = "I could not confirm who you are just now, so I can only show help. Please try again in a minute."
ENGINES_KEPT = 32


class Register(Protocol):
    async def current(self) -> Sequence[Agreement]: ...


class Engine(Protocol):
    def answer(self, question: str | None, today: date, returns: Sequence[ReturnStatus] = ()) -> Answer: ...


# Where payment schedules come from, for the caller's visible register: called only for payment questions.
PaymentsSource = Callable[[Sequence[Agreement]], Awaitable[Mapping[str, Sequence[Instalment]]]]


def _about_payments(question: str | None) -> bool:
    from bot.questions.payments import is_about_payments

    return is_about_payments(question)


# Where the monitoring overview comes from: called only for questions about returns.
ReturnsSource = Callable[[date], Awaitable[Sequence[ReturnStatus]]]


async def no_returns(today: date) -> Sequence[ReturnStatus]:
    return ()


EngineFactory = Callable[[Sequence[Agreement]], Engine]


def _about_returns(question: str | None) -> bool:
    from bot.questions.engine import QuestionEngine

    return QuestionEngine.is_about_returns(question)


def question_engine(register: Sequence[Agreement]) -> Engine:
    """The question engine over `register` (imported when first used)."""
    from bot.questions.engine import QuestionEngine

    return QuestionEngine(register)


@dataclass(frozen=True)
class Reply:
    """What to show: an answer (one page of it), the help card, or help with a note."""

    answer: Answer | None = None
    page: int = 0
    page_size: int | None = None
    help: bool = False
    note: str = ""


class Assistant:
    """Answers questions against the current register, seen through the caller's role."""

    def __init__(
        self,
        register: Register,
        staff: StaffRule,
        today: Callable[[], date],
        engine_factory: EngineFactory = question_engine,
        returns: ReturnsSource = no_returns,
        payments: PaymentsSource | None = None,
    ) -> None:
        self._payments = payments
        self._register = register
        self._returns = returns
        self._staff = staff
        self._today = today
        self._engine_factory = engine_factory
        # key → (the register the engine was built from, engine); the register is kept so its
        # id() cannot be reused by another object while the entry lives.
        self._engines: OrderedDict[tuple[int, frozenset[str]], tuple[Sequence[Agreement], Engine]] = OrderedDict()

    def today(self) -> date:
        return self._today()

    async def caller(self, email: str) -> Caller:
        return identify(email, await self._register.current(), self._staff)

    async def respond(self, request: Ask | ShowHelp, caller: Caller) -> Reply:
        """The reply to a question (or a help request) from a caller resolved once for the turn."""
        if isinstance(request, ShowHelp):
            return Reply(help=True)
        if not caller.may_ask:
            return Reply(help=True, note=NOT_REGISTERED if caller.email else NO_EMAIL)
        register = await self._register.current()
        today = self._today()
        returns = await self._returns(today) if _about_returns(request.question) else ()
        # The engine sees only the caller's agreements, so it names only their returns.
        engine = self._engine(caller, register)
        if self._payments is not None and _about_payments(request.question):
            # Only the caller's visible agreements' schedules: a provider never sees another's money.
            visible = visible_register(caller, register)
            schedules = await self._payments(visible)
            answer = engine.answer(request.question, today, returns, payments=schedules)  # type: ignore[call-arg]
        else:
            answer = engine.answer(request.question, today, returns)
        return Reply(answer=answer, page=request.page, page_size=request.page_size)

    def _engine(self, caller: Caller, register: Sequence[Agreement]) -> Engine:
        view = caller.providers if caller.role is Role.PROVIDER else frozenset()
        key = (id(register), view)
        kept = self._engines.get(key)
        if kept is not None and kept[0] is register:
            self._engines.move_to_end(key)
            return kept[1]
        engine = self._engine_factory(visible_register(caller, register))
        self._engines[key] = (register, engine)
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)
        return engine
