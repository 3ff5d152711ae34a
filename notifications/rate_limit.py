"""Teams' published rate limits, kept on our side so the connector rarely has to say 429.

Per bot per conversation: 7 messages in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour; per app
per tenant: 50 requests a second (docs/teams-sdk.md). Each limit is a sliding window.

The connector counts a request when it *arrives*, which we cannot see: somewhere between
starting the send and getting the answer. So a send counts as "now" while it is in flight and
at the moment its answer came once it is done — the latest it can have arrived. A new send
starts only when every window has room on those terms, so however unevenly requests travel,
the connector never sees more than the limit in any window. A small margin on top absorbs
clock differences. A 429 with `Retry-After` pauses that conversation.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

PER_CONVERSATION: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_APP: tuple[tuple[int, float], ...] = ((50, 1.0),)
DEFAULT_MARGIN = 0.02


class SlidingWindows:
    """Several "at most N in T seconds" limits over one stream of sends."""

    def __init__(self, limits: Sequence[tuple[int, float]], margin: float = DEFAULT_MARGIN) -> None:
        self._limits = [(count, period * (1 + margin)) for count, period in limits]
        self._longest = max((period for _, period in self._limits), default=0.0)
        self._finished: list[float] = []  # kept sorted
        self.in_flight = 0
        self._paused_until = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one more send fits every window (0 when it fits now)."""
        delay = max(0.0, self._paused_until - now)
        for count, period in self._limits:
            if self.in_flight >= count:
                delay = max(delay, period)
            elif len(self._finished) + self.in_flight >= count:
                kth_latest = self._finished[-(count - self.in_flight)]
                delay = max(delay, kth_latest + period - now)
        return delay

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        bisect.insort(self._finished, now)
        cutoff = now - self._longest
        if self._finished and self._finished[0] < cutoff:
            del self._finished[: bisect.bisect_left(self._finished, cutoff)]

    def pause(self, until: float) -> None:
        self._paused_until = max(self._paused_until, until)


class RateLimiter:
    """Per-conversation and per-app windows: `async with limiter.slot(conversation_id): send…`."""

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

    @asynccontextmanager
    async def slot(self, conversation_id: str) -> AsyncIterator[None]:
        """Wait until a send to this conversation fits every limit; count it until it is done."""
        windows = self._windows(conversation_id)
        while True:
            now = self._clock()
            delay = max(windows.wait(now), self._app.wait(now))
            if delay <= 0:
                break
            await self._sleep(delay)
        windows.start()
        self._app.start()
        try:
            yield
        finally:
            done = self._clock()
            windows.finish(done)
            self._app.finish(done)

    def pause(self, conversation_id: str, seconds: float) -> None:
        """The connector said 429: nothing more to this conversation for `seconds`."""
        self._windows(conversation_id).pause(self._clock() + seconds)
