"""End decisions pressed on alert cards by more than one person, or twice, through /api/messages.

Two contract managers pressing "Extend" and "Let it end" on the same alert at the same moment
must not both be recorded: exactly one wins, the other is told what was already decided, by
whom and when, and the decision is audited once. A second press on a card that is out of date
(the agreement has been extended since) changes nothing. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import PROVIDER_ID, STAFF_ID, Activities, RunningBot, _running, import_into, settings_for
from sqlalchemy import select
from stand_ins.connector import StandInConnector
from teams_register import COLUMNS, STAFF_EMAIL, TODAY

from bot.app import create_app
from bot.requests import ACTION_DECIDE
from notifications.actions import ALREADY_DECIDED_PREFIX, STAFF_ONLY
from storage.db import create_engine, session_factory
from storage.models import AgreementRow, AuditEntry, ExtensionDecision

ROUNDS = 50
END = date(2028, 3, 31)
KIT_ID = "29:staff-kit"
KIT_EMAIL = "kit.staff@mopac.example"


def reference(n: int) -> str:
    return f"DEC-2024-{n:03d}"


def write_register(path: Path) -> Path:
    """ROUNDS contracts with "1+1" extension options, all ending on END."""
    columns = [*COLUMNS, "extension_options"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for n in range(ROUNDS):
            writer.writerow([reference(n), "contract", f"Outreach service {n}", "Safe Harbour", "100000", "01/04/2024",
                             "31/03/2028", "Southwark", "domestic abuse", STAFF_EMAIL, "", "", "Core", "1+1"])
    return path


@pytest.fixture
def extendable_url(db_url: str, tmp_path: Path) -> str:
    """`db_url` with a register of agreements that can be extended."""
    import_into(db_url, write_register(tmp_path / "register.csv"))
    return db_url


@pytest.fixture
async def bot(extendable_url: str, connector: StandInConnector) -> AsyncIterator[RunningBot]:
    """The bot as `serve --local` runs it, with two contract managers who can press the buttons."""
    connector.add_member(KIT_ID, "Kit Staff", KIT_EMAIL)
    settings = settings_for(extendable_url)
    app = create_app(settings, local=True, today=lambda: TODAY)
    async for running in _running(app, activities=Activities(connector.url), connector=connector, settings=settings):
        yield running


def press(ref: str, decision: str, **extra: Any) -> dict[str, Any]:
    """What an alert card's decision button sends, for an alert about the agreement ending on END."""
    return {"action": ACTION_DECIDE, "reference": ref, "decision": decision, "end": END.isoformat(), **extra}


async def answer_to(bot: RunningBot, value: dict[str, Any], sender: str) -> str:
    """Press a button in the sender's personal chat; the bot's reply in that chat to this press."""
    activity = bot.activities.card_submit(value, sender=sender)
    conversation = activity["conversation"]["id"]
    before = len(bot.connector.sent_to(conversation))
    await bot.post(activity)
    replies = [s.text for s in bot.connector.sent_to(conversation)[before:]]
    return replies[-1] if replies else ""


async def stored(bot: RunningBot, ref: str) -> tuple[date | None, list[str], list[str]]:
    """The agreement's extended_to, its recorded decisions and its end-decision audit entries."""
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            row = (await session.scalars(select(AgreementRow).where(AgreementRow.reference == ref))).unique().one()
            decisions = list(await session.scalars(select(ExtensionDecision.decision).where(ExtensionDecision.agreement_id == row.id)))
            audited = list(await session.scalars(
                select(AuditEntry.new_value).where(AuditEntry.reference == ref, AuditEntry.action == "end_decision")))
            return row.extended_to, decisions, audited
    finally:
        await engine.dispose()


async def test_two_people_deciding_at_once_record_exactly_one_decision(bot: RunningBot) -> None:
    """Extend and Let it end pressed together, 50 times: one wins, the other is told what was decided."""
    for n in range(ROUNDS):
        ref = reference(n)
        extend, end = await asyncio.gather(
            answer_to(bot, press(ref, "extend", years=1), STAFF_ID),
            answer_to(bot, press(ref, "end"), KIT_ID),
        )
        winners = [reply for reply in (extend, end) if reply.startswith("Recorded:")]
        losers = [reply for reply in (extend, end) if reply.startswith(ALREADY_DECIDED_PREFIX)]
        assert len(winners) == 1 and len(losers) == 1, (ref, extend, end)
        extended_to, decisions, audited = await stored(bot, ref)
        assert len(decisions) == 1 and audited == decisions
        if decisions == ["extend"]:
            assert extended_to == date(2029, 3, 31) and STAFF_EMAIL in end
        else:
            assert decisions == ["end"] and extended_to is None and KIT_EMAIL in extend


async def test_extend_pressed_again_on_a_stale_card_does_not_extend_twice(bot: RunningBot) -> None:
    """The second "Extend by 1 year" from the same card is refused: 2028 → 2029, never 2030."""
    ref = reference(0)
    first = await answer_to(bot, press(ref, "extend", years=1), STAFF_ID)
    assert first.startswith("Recorded:") and "31 Mar 2029" in first
    again = await answer_to(bot, press(ref, "extend", years=1), KIT_ID)
    assert again.startswith(ALREADY_DECIDED_PREFIX) and STAFF_EMAIL in again and "31 Mar 2029" in again
    extended_to, decisions, audited = await stored(bot, ref)
    assert extended_to == date(2029, 3, 31) and decisions == ["extend"] and audited == ["extend"]


async def test_let_it_end_pressed_twice_is_recorded_and_audited_once(bot: RunningBot) -> None:
    """Pressing "Let it end" again says it is already decided; one decision, one audit entry."""
    ref = reference(1)
    assert (await answer_to(bot, press(ref, "end"), STAFF_ID)).startswith("Recorded:")
    again = await answer_to(bot, press(ref, "end"), STAFF_ID)
    assert again.startswith(ALREADY_DECIDED_PREFIX) and STAFF_EMAIL in again
    _, decisions, audited = await stored(bot, ref)
    assert decisions == ["end"] and audited == ["end"]


async def typed(bot: RunningBot, text: str, sender: str = STAFF_ID) -> str:
    """Type a message in the sender's personal chat; the bot's last reply in that chat."""
    activity = bot.activities.personal(text, sender=sender)
    conversation = activity["conversation"]["id"]
    before = len(bot.connector.sent_to(conversation))
    await bot.post(activity)
    replies = [s.text for s in bot.connector.sent_to(conversation)[before:]]
    return replies[-1] if replies else ""


async def test_staff_decide_by_typing_as_the_buttons_do(bot: RunningBot) -> None:
    """ "extend … by 1 year", "re-commission …", "let … end": recorded and audited once each."""
    extend = await typed(bot, "Extend dec-2024-002 by 1 year please")
    assert extend.startswith("Recorded: DEC-2024-002 is extended to 31 Mar 2029"), extend
    assert (await typed(bot, "re-commission DEC-2024-003")).startswith("Recorded: DEC-2024-003 will be re-commissioned")
    assert (await typed(bot, "let DEC-2024-004 end.")).startswith("Recorded: DEC-2024-004 will end on 31 Mar 2028")
    assert await stored(bot, "DEC-2024-002") == (date(2029, 3, 31), ["extend"], ["extend"])
    assert await stored(bot, "DEC-2024-003") == (None, ["recommission"], ["recommission"])
    assert await stored(bot, "DEC-2024-004") == (None, ["end"], ["end"])


async def test_a_typed_decision_that_conflicts_is_refused_with_what_was_decided(bot: RunningBot) -> None:
    """Kit types "let it end" after Grace pressed Extend: refused, told who extended and when; nothing changes."""
    ref = reference(5)
    assert (await answer_to(bot, press(ref, "extend", years=1), STAFF_ID)).startswith("Recorded:")
    refused = await typed(bot, f"let {ref} end", sender=KIT_ID)
    assert refused.startswith(ALREADY_DECIDED_PREFIX) and STAFF_EMAIL in refused and "31 Mar 2029" in refused
    assert f'type "let {ref} end again"' in refused
    second = await typed(bot, f"extend {ref}", sender=KIT_ID)
    assert second.startswith(ALREADY_DECIDED_PREFIX)
    assert await stored(bot, ref) == (date(2029, 3, 31), ["extend"], ["extend"])
    # Said on purpose, it is a decision about the new end date: the second option is used.
    on_purpose = await typed(bot, f"extend {ref} again", sender=KIT_ID)
    assert on_purpose.startswith(f"Recorded: {ref} is extended to 31 Mar 2030"), on_purpose
    assert await stored(bot, ref) == (date(2030, 3, 31), ["extend", "extend"], ["extend", "extend"])


async def test_a_typed_decision_after_a_typed_decision_is_refused(bot: RunningBot) -> None:
    """The same "re-commission" typed twice, or a contrary one: one decision, one audit entry."""
    ref = reference(6)
    assert (await typed(bot, f"recommission {ref}")).startswith("Recorded:")
    for text in (f"recommission {ref}", f"let {ref} expire", f"extend {ref} by 1 year"):
        refused = await typed(bot, text, sender=KIT_ID)
        assert refused.startswith(ALREADY_DECIDED_PREFIX) and "re-commission" in refused and STAFF_EMAIL in refused
        assert "again" not in refused
    assert await stored(bot, ref) == (None, ["recommission"], ["recommission"])


async def test_typed_decisions_that_cannot_be_recorded_say_why(bot: RunningBot) -> None:
    """A provider, an unknown reference, an option the agreement lacks, months that are not years: nothing recorded."""
    ref = reference(7)
    assert await typed(bot, f"extend {ref} by 1 year", sender=PROVIDER_ID) == STAFF_ONLY
    assert await typed(bot, "let DEC-1999-001 end") == "I can't find an agreement with the reference DEC-1999-001."
    assert "can be extended by 1 year, not 3" in await typed(bot, f"extend {ref} by 3 years")
    assert "Extensions are whole years" in await typed(bot, f"extend {ref} by 18 months")
    assert await stored(bot, ref) == (None, [], [])
