"""Timing, memory and table helpers for the benchmark: bounded runs, percentiles, Markdown.

Every measurement warms up first, then repeats until it has its runs or spends its time
budget, whichever comes first, so the whole benchmark stays within a few minutes on a
small machine. Results carry the number of runs, so a p99 over five runs reads as what it is.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timings:
    """Seconds per run, in the order they ran."""

    seconds: tuple[float, ...]

    @property
    def runs(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p99(self) -> float:
        """Nearest-rank 99th percentile (the maximum when there are fewer than 100 runs)."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def time_calls(call: Callable[[], object], *, warmup: int, runs: int, budget: float) -> Timings:
    """Time `call` `runs` times after `warmup` untimed calls, stopping early after `budget` seconds."""
    for _ in range(warmup):
        call()
    seconds: list[float] = []
    deadline = time.perf_counter() + budget
    gc.collect()
    while len(seconds) < runs and (not seconds or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return Timings(tuple(seconds))


async def time_awaits(
    make: Callable[[], Awaitable[object]],
    *,
    warmup: int,
    runs: int,
    budget: float,
    before: Callable[[], Awaitable[object]] | None = None,
) -> Timings:
    """As `time_calls` for coroutines; `before` runs untimed ahead of each call (fresh database)."""
    for _ in range(warmup):
        if before:
            await before()
        await make()
    seconds: list[float] = []
    deadline = time.perf_counter() + budget
    while len(seconds) < runs and (not seconds or time.perf_counter() < deadline):
        if before:
            await before()
        gc.collect()
        started = time.perf_counter()
        await make()
        seconds.append(time.perf_counter() - started)
    return Timings(tuple(seconds))


async def peak_memory(make: Callable[[], Awaitable[object]]) -> tuple[int, object]:
    """Peak bytes Python allocated while `make()` ran (tracemalloc), and what it returned.

    The result is kept alive until after the peak is read, so the figure includes it.
    """
    gc.collect()
    tracemalloc.start()
    try:
        result = await make()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table, columns padded so it also reads well in a terminal."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(headers), "|" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, rows)])
