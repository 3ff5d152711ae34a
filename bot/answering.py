"""The one use case behind a chat message: answer a register question for whoever asked it.

The caller's role decides what they see: staff the whole register, a provider contact only
their organisation's agreements (filtered before the question engine runs), anyone else
only help. The reply is plain data; `bot/teams/handler.py` turns it into a card.

Building a question engine indexes the register's names, which is too slow to repeat for
every question at 10,000 agreements, so engines are kept per (register version, view).

Follow-ups ("and in Southwark?") are read against the asker's last question in that
conversation (`bot/questions/followups.py`), kept in the database for a day through a
`ContextStore`. The new context is written while the reply is sent (the person's next question
waits for that write); a database hiccup there costs the follow-up, never the answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from bot.requests import MAX_PAGE_SIZE, Ask, ShowHelp
from bot.roles import Caller, ContactIndex, Role, StaffRule, contact_index, identify, visible_register
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
# Answers from a register version superseded longer than this say so (a reload is still under way).
STALE_AFTER_SECONDS = 60
STALE_NOTE = (
    "The register changed a moment ago and I am still loading the new version, so this answer is from "
    "the previous one. Ask again in a minute for the latest."
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thread:
    """Whose context a question is read in: one person in one conversation (a channel thread is its own)."""

    conversation_id: str
    user_id: str


class ContextStore(Protocol):
    """Where each person's last question is kept (`storage.question_context.QuestionContexts`)."""

    async def load(self, conversation_id: str, user_id: str) -> dict[str, Any] | None: ...

    async def save(self, conversation_id: str, user_id: str, data: dict[str, Any]) -> None: ...

    async def forget(self, conversation_id: str, user_id: str) -> None: ...


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

# Answered once per register version off the event loop (see `Assistant.prepare`).
WARMED_QUESTION = "which agreements have data quality problems?"


def _about_returns(question: str | None) -> bool:
    from bot.questions.engine import QuestionEngine

    return QuestionEngine.is_about_returns(question)


def _reads_context(engine: Engine) -> bool:
    """Follow-ups need the question engine itself (a stand-in engine answers questions one by one)."""
    from bot.questions.engine import QuestionEngine

    return isinstance(engine, QuestionEngine)


def question_engine(register: Sequence[Agreement]) -> Engine:
    """The question engine over `register` (imported when first used).

    With the England-and-Wales bank holidays, so "which payments are late?" in Teams counts
    working days as the alerts and `ask` do: a payment due before Easter is not late at Easter.
    """
    from bot.questions.engine import QuestionEngine

    return QuestionEngine(register, bank_holidays=_bank_holidays())


@functools.cache
def _bank_holidays() -> Container[date]:
    """One calendar for every engine (it fills in years as they are asked about)."""
    from notifications.calendar import england_and_wales_bank_holidays

    return england_and_wales_bank_holidays()


@dataclass(frozen=True)
class Reply:
    """What to show: an answer (one page of it), the help card, or help with a note."""

    answer: Answer | None = None
    page: int = 0
    page_size: int | None = None
    help: bool = False
    note: str = ""
    # For the help card: questions about the caller's own register (none for someone who may not ask).
    examples: tuple[str, ...] = ()
    # For the help card: the caller is commissioning staff, so it lists what they can type too.
    staff: bool = False


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
        contexts: ContextStore | None = None,
    ) -> None:
        self._contexts = contexts
        # Context writes under way, per thread, so the next question there waits for its own.
        self._saving: dict[Thread, asyncio.Future[Any]] = {}
        self._payments = payments
        self._register = register
        self._returns = returns
        self._staff = staff
        self._today = today
        self._engine_factory = engine_factory
        # key → (the register the engine was built from, engine); the register is kept so its
        # id() cannot be reused by another object while the entry lives.
        self._engines: OrderedDict[tuple[int, frozenset[str]], tuple[Sequence[Agreement], Engine]] = OrderedDict()
        # The contact index of the latest register (kept with the register it was built from).
        self._contacts: tuple[Sequence[Agreement], ContactIndex] | None = None
        # What `prepare` built for the latest register off the event loop: (register, contacts, staff engine).
        self._ready: tuple[Sequence[Agreement], ContactIndex, Engine] | None = None
        self._building = asyncio.Lock()

    def prepare(self, register: Sequence[Agreement]) -> None:
        """Build the contact map and the whole-register engine for a new register version.

        Called by the register cache in its worker thread, beside the load, so the first turn on
        a new version finds both ready instead of building them on the event loop. The day's
        data-quality answer is worked out here too: it explains a third of the register, and
        later days build on its rows.
        """
        engine = self._engine_factory(list(register))
        engine.answer(WARMED_QUESTION, self._today())
        self._ready = (register, contact_index(register), engine)

    def today(self) -> date:
        return self._today()

    async def caller(self, email: str) -> Caller:
        """Who is asking, decided on the current register (read once for the turn)."""
        register = await self._register.current()
        if self._contacts is None or self._contacts[0] is not register:
            ready = self._ready
            self._contacts = (register, ready[1] if ready and ready[0] is register else contact_index(register))
        return identify(email, register, self._staff, self._contacts[1])

    async def respond(self, request: Ask | ShowHelp, caller: Caller, thread: Thread | None = None) -> Reply:
        """The reply to a question (or a help request) from a caller resolved once for the turn.

        With a `thread`, the question may follow up the caller's last one there.
        """
        if not caller.may_ask:
            return Reply(help=True, note=NOT_REGISTERED if caller.email else NO_EMAIL)
        # The register the caller's role was decided on, so role and answer agree (and the
        # register's version is checked once per turn, not twice).
        register = caller.register or await self._register.current()
        if isinstance(request, ShowHelp):
            # Help names the caller's own agreements: the engine sees only what they may see.
            helper = await self._engine(caller, register)
            return Reply(help=True, examples=tuple(getattr(helper, "examples", ())), staff=caller.is_staff)
        today = self._today()
        returns = await self._returns(today) if _about_returns(request.question) else ()
        # The engine sees only the caller's agreements, so it names only their returns.
        engine = await self._engine(caller, register)
        sources: dict[str, Any] = {"returns": returns}
        if self._payments is not None and _about_payments(request.question):
            # Only the caller's visible agreements' schedules: a provider never sees another's money.
            sources["payments"] = await self._payments(visible_register(caller, register))
        if self._contexts is not None and thread is not None and _reads_context(engine):
            return await self._in_context(engine, request, today, thread, sources)
        answer = engine.answer(request.question, today, **sources)
        return Reply(answer=answer, page=request.page, page_size=request.page_size, note=self._stale_note())

    def _stale_note(self) -> str:
        behind = getattr(self._register, "behind_for", None)
        return STALE_NOTE if behind is not None and behind() > STALE_AFTER_SECONDS else ""

    async def _in_context(
        self, engine: Engine, request: Ask, today: date, thread: Thread, sources: dict[str, Any]
    ) -> Reply:
        """Answer as a follow-up of the caller's last question in this thread, and keep the new context."""
        from bot.questions import followups

        assert self._contexts is not None
        pending = self._saving.get(thread)
        if pending is not None:
            await pending  # this person's last context is still being written: read it, not the one before
        stored = await self._safely(self._contexts.load(thread.conversation_id, thread.user_id))
        context = followups.context_from_json(stored) if stored else None
        if request.page > 0:
            # "Show more" pages through an answer already given: never a new follow-up.
            if context is not None and context.query.question == request.question:
                answer = followups.answer_again(engine, context, today)  # type: ignore[arg-type]
            else:
                answer = engine.answer(request.question, today, **sources)
            return Reply(answer=answer, page=request.page, page_size=request.page_size, note=self._stale_note())
        answer, kept, show_all = followups.answer_in_context(engine, request.question, today, context, **sources)  # type: ignore[arg-type]
        if kept != context:
            if kept is not None:
                write = self._contexts.save(thread.conversation_id, thread.user_id, followups.context_to_json(kept))
            else:
                write = self._contexts.forget(thread.conversation_id, thread.user_id)
            self._write_behind(thread, write)
        page_size = MAX_PAGE_SIZE if show_all else request.page_size
        return Reply(answer=answer, page=request.page, page_size=page_size, note=self._stale_note())

    def _write_behind(self, thread: Thread, write: Awaitable[Any]) -> None:
        """Keep the context while the reply goes out: the write is off the turn's critical path."""
        task = asyncio.ensure_future(self._safely(write))
        self._saving[thread] = task
        task.add_done_callback(lambda done: self._saving.pop(thread, None) if self._saving.get(thread) is done else None)

    async def settle(self) -> None:
        """Wait for every context still being written (at shutdown, before the database goes)."""
        while self._saving:
            await asyncio.gather(*self._saving.values())

    @staticmethod
    async def _safely(operation: Awaitable[Any]) -> Any:
        """Run a context load or save; on a database error log one line and go on without it."""
        try:
            return await operation
        except Exception as error:  # noqa: BLE001 - a follow-up is lost, the answer is not
            log.error("Question context unavailable: %s: %s", type(error).__name__, str(error).splitlines()[0][:200] if str(error) else "")
            return None

    async def _engine(self, caller: Caller, register: Sequence[Agreement]) -> Engine:
        """The engine for this register and view; built once, in a worker thread so other turns go on."""
        view = caller.providers if caller.role is Role.PROVIDER else frozenset()
        key = (id(register), view)
        kept = self._kept(key, register)
        if kept is not None:
            return kept
        ready = self._ready
        if not view and ready is not None and ready[0] is register:
            self._engines[key] = (register, ready[2])
            return ready[2]
        async with self._building:
            kept = self._kept(key, register)  # another turn may have built it while this one waited
            if kept is not None:
                return kept
            engine = await asyncio.to_thread(self._engine_factory, visible_register(caller, register))
        self._engines[key] = (register, engine)
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)
        return engine

    def _kept(self, key: tuple[int, frozenset[str]], register: Sequence[Agreement]) -> Engine | None:
        kept = self._engines.get(key)
        if kept is not None and kept[0] is register:
            self._engines.move_to_end(key)
            return kept[1]
        return None
