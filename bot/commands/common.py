"""Small things every subcommand needs: which database, what today is, how to fail politely."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from storage.db import DEFAULT_DATABASE_URL, DatabaseUrlNotSupported, async_url, create_engine, upgrade

LONDON = ZoneInfo("Europe/London")
T = TypeVar("T")


class CommandFailed(Exception):
    """A user-facing failure: printed as one plain message, exit code `code`, no traceback."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def database_url(args: argparse.Namespace) -> str:
    """`--db`, else `$DATABASE_URL`, else the embedded SQLite file."""
    url = getattr(args, "db", None) or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        async_url(url)
    except (DatabaseUrlNotSupported, Exception) as error:  # noqa: BLE001 - any unreadable URL
        raise CommandFailed(f"Cannot use database URL: {error}. Use sqlite:///FILE or postgresql+asyncpg://…") from None
    return url


def today_from(text: str | None) -> date:
    """`--today YYYY-MM-DD`, else today's date in Europe/London."""
    if not text:
        return datetime.now(LONDON).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandFailed(f"--today must be a date like 2026-11-22, not {text!r}.") from None


def add_today_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="fix the clock (default: today in Europe/London)")


async def migrated_engine(url: str):  # type: ignore[no-untyped-def]
    """An engine on `url` with the schema brought up to date first."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
    except Exception as error:  # noqa: BLE001 - say what failed, never a traceback
        await engine.dispose()
        raise CommandFailed(f"Cannot open the database: {type(error).__name__}: {str(error).splitlines()[0]}") from None
    return engine


def run_async(coroutine: Awaitable[T]) -> T:
    """Run a command's coroutine; `CommandFailed` becomes a message on stderr and exit code."""
    try:
        return asyncio.run(coroutine)  # type: ignore[arg-type]
    except CommandFailed as failure:
        print(str(failure), file=sys.stderr)
        raise SystemExit(failure.code) from None
