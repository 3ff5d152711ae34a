"""Every activity the bot sends stays under 80 KB as Teams counts it (the whole activity in UTF-16).

The stand-in connector answers 413 `MessageSizeTooBig` above about 100 KB, as Teams does, so
these tests ask the bot for its biggest answers about a register whose text is as heavy as it
gets (long titles in Welsh with emoji and Markdown) and check what actually went over the wire.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import Activities, RunningBot, _running, import_into, settings_for
from stand_ins.connector import StandInConnector
from stand_ins.message_size import TEAMS_LIMIT_BYTES, teams_size
from teams_register import COLUMNS, STAFF_EMAIL, TODAY

from bot.app import create_app

ADVISED_BYTES = 80 * 1024
HEAVY_TITLE = ("Gwasanaeth cymorth i ddioddefwyr – **trais** & <cam-drin> 🚓 ✓ " * 12)[:480]


def heavy_register(path: Path, count: int = 400) -> Path:
    """`count` grants ending this quarter, each with a title and provider far longer than any real one."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(count):
            writer.writerow([
                f"HVY-2024-{n:04d}", "grant", f"{HEAVY_TITLE} {n}", f"Darparwr {n} – {HEAVY_TITLE[:120]}", str(10000 + n),
                "01/04/2024", "20/12/2026", f"Bwrdeistref {n} ✓", "victims", STAFF_EMAIL, "Rhian Jones",
                f"info{n}@darparwr.example", "Core",
            ])
    return path


@pytest.fixture
def heavy_url(db_url: str, tmp_path: Path) -> str:
    import_into(db_url, heavy_register(tmp_path / "heavy.csv"))
    return db_url


@pytest.fixture
async def heavy_bot(heavy_url: str, connector: StandInConnector) -> AsyncIterator[RunningBot]:
    settings = settings_for(heavy_url)
    app = create_app(settings, local=True, today=lambda: TODAY)
    async for running in _running(app, activities=Activities(connector.url), connector=connector, settings=settings):
        yield running


async def test_the_biggest_answers_stay_under_80_kb_as_teams_counts_them(heavy_bot: RunningBot) -> None:
    """A 400-row answer, its Show more pages, one agreement, data quality and help: none refused, all < 80 KB."""
    for question in ("which grants expire this quarter?", "data quality problems", "tell me about HVY-2024-0007",
                     "what do we fund in Bwrdeistref 3?", "help", "no idea what this means ✓ 🚓" * 10):
        await heavy_bot.post(heavy_bot.activities.personal(question))
    first = heavy_bot.connector.sent[0]
    for page in (1, 2, 10):
        await heavy_bot.post(heavy_bot.activities.card_submit(
            {"action": "show_more", "question": "which grants expire this quarter?", "page": page,
             **{k: v for k, v in first.cards[0]["actions"][0]["data"].items() if k == "page_size"}}))
    assert heavy_bot.connector.too_big == []
    sizes = [teams_size(sent.activity) for sent in heavy_bot.connector.sent]
    assert len(sizes) == 9
    assert max(sizes) < ADVISED_BYTES


async def test_the_stand_in_refuses_what_teams_refuses(connector: StandInConnector) -> None:
    """Above about 100 KB in UTF-16 the connector answers 413 MessageSizeTooBig and keeps nothing."""
    from aiohttp import ClientSession

    activity = {"type": "message", "text": "x" * (TEAMS_LIMIT_BYTES // 2)}
    async with ClientSession() as session:
        async with session.post(f"{connector.url}v3/conversations/a:1/activities", json=activity) as response:
            assert response.status == 413
            assert (await response.json())["error"]["code"] == "MessageSizeTooBig"
        small = {"type": "message", "text": "x" * 1000}
        async with session.post(f"{connector.url}v3/conversations/a:1/activities", json=small) as response:
            assert response.status == 201
    assert len(connector.too_big) == 1 and len(connector.sent) == 1
