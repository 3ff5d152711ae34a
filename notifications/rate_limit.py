"""Teams' published rate limits, kept on our side so the connector rarely has to say 429.

Per bot per conversation: 7 messages in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour; per app
per tenant: 50 requests a second (TEAMS-NOTES.md). Each limit is a sliding window of send
times; `acquire` waits until every window that applies has room, then records the send. A
small safety margin stretches each window so clock jitter between us and the connector
does not tip a send over a limit. A 429 with `Retry-After` pauses that conversation.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_APP: tuple[tuple[int, float], ...] = ((50, 1.0),)
DEFAULT_MARGIN = 0.05


class SlidingWindows:
    """Several "at most N in T seconds" limits over one stream of events."""

    def __init__(self, limits: Sequence[tuple[int, float]], margin: float = DEFAULT_MARGIN) -> None:
        self._limits = [(count, period * (1 + margin)) for count, period in limits]
        longest = max((count for count, _ in self._limits), default=0)
        self._times: deque[float] = deque(maxlen=longest or None)
        self._paused_until = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one more event fits every window (0 when it fits now)."""
        delay = max(0.0, self._paused_until - now)
        for count, period in self._limits:
            if len(self._times) >= count:
                oldest_in_window = self._times[-count]
                delay = max(delay, oldest_in_window + period - now)
        return delay

    def record(self, now: float) -> None:
        self._times.append(now)

    def pause(self, until: float) -> None:
        self._paused_until = max(self._paused_until, until)


class RateLimiter:
    """Per-conversation and per-app windows; `await acquire(conversation_id)` before each send."""

    def __init__(
        self,
        per_conversation: Sequence[tuple[int, float]] = PER_CONVERSATION,
        per_app: Sequence[tuple[int, float]] = PER_APP,
        *,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._per_conversation = tuple(per_conversation)
        self._margin = margin
        self._conversations: dict[str, SlidingWindows] = {}
        self._app = SlidingWindows(per_app, margin)
        self._clock = clock
        self._sleep = sleep

    def _windows(self, conversation_id: str) -> SlidingWindows:
        windows = self._conversations.get(conversation_id)
        if windows is None:
            windows = self._conversations[conversation_id] = SlidingWindows(self._per_conversation, self._margin)
        return windows

    async def acquire(self, conversation_id: str) -> None:
        """Wait until a send to this conversation fits every limit, then count it."""
        windows = self._windows(conversation_id)
        while True:
            now = self._clock()
            delay = max(windows.wait(now), self._app.wait(now))
            if delay <= 0:
                windows.record(now)
                self._app.record(now)
                return
            await self._sleep(delay)

    def pause(self, conversation_id: str, seconds: float) -> None:
        """The connector said 429: nothing more to this conversation for `seconds`."""
        self._windows(conversation_id).pause(self._clock() + seconds)
