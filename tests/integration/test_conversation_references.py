"""Stored conversation references (for proactive alerts) and the register cache, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.alerts_repo import delivery_target
from storage.conversations import (
    ConversationRecord,
    find_conversation,
    list_conversations,
    mark_blocked,
    personal_conversation_for,
    save_conversation,
)
from storage.db import session_factory
from storage.register_cache import RegisterCache
from storage.register_import import import_register

REFERENCE = {"serviceUrl": "https://smba.trafficmanager.net/uk/", "channelId": "msteams", "conversation": {"id": "a:1"}}


def record(**changes: object) -> ConversationRecord:
    values: dict[str, object] = dict(
        conversation_id="a:1", reference=REFERENCE, tenant_id="t1", conversation_type="personal",
        user_id="29:sam", user_email="sam@mopac.example",
    )
    values.update(changes)
    return ConversationRecord(**values)  # type: ignore[arg-type]


async def test_saving_twice_keeps_one_row_with_the_latest_reference(engine: AsyncEngine) -> None:
    """Each message refreshes the same conversation's row; nothing is duplicated."""
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await save_conversation(session, record())
    newer = dict(REFERENCE, serviceUrl="https://smba.trafficmanager.net/emea/")
    async with sessions.begin() as session:
        await save_conversation(session, record(reference=newer, user_email=""))
    async with sessions() as session:
        [stored] = await list_conversations(session)
    assert stored.reference["serviceUrl"].endswith("/emea/")
    assert stored.user_email == "sam@mopac.example"  # an unknown email does not wipe a known one


async def test_a_removed_app_is_blocked_until_the_next_activity(engine: AsyncEngine) -> None:
    """Uninstalling blocks alerts to the conversation; a later install or message unblocks it."""
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await save_conversation(session, record())
        await mark_blocked(session, "a:1")
    async with sessions() as session:
        assert await list_conversations(session) == []
        assert await personal_conversation_for(session, "sam@mopac.example") is None
    async with sessions.begin() as session:
        await save_conversation(session, record())
    async with sessions() as session:
        found = await personal_conversation_for(session, "SAM@mopac.example")
        assert found is not None and found.conversation_id == "a:1" and not found.blocked


async def test_a_channel_is_found_by_any_of_its_thread_ids(engine: AsyncEngine) -> None:
    """Threads of a channel share the channel's row."""
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await save_conversation(session, record(conversation_id="19:c@thread.tacv2", conversation_type="channel"))
    async with sessions() as session:
        found = await find_conversation(session, "19:c@thread.tacv2;messageid=42")
    assert found is not None and found.conversation_type == "channel"


async def test_the_register_cache_reloads_after_an_import(engine: AsyncEngine, tmp_path: Path) -> None:
    """Questions see a new import at once, without a reload on every question before that."""
    cache = RegisterCache(session_factory(engine))
    assert await cache.current() == ()
    path = tmp_path / "r.csv"
    path.write_text("reference,kind,title,provider\nOPCC-1,grant,ISVA,Safe Harbour\n", encoding="utf-8")
    await import_register(engine, path, today=date(2026, 11, 20))
    first = await cache.current()
    assert [a.reference for a in first] == ["OPCC-1"]
    assert await cache.current() is first
    path.write_text("reference,kind,title,provider\nOPCC-1,grant,ISVA,Safe Harbour\nOPCC-2,contract,Outreach,Safe Harbour\n", encoding="utf-8")
    await import_register(engine, path, today=date(2026, 11, 21))
    assert [a.reference for a in await cache.current()] == ["OPCC-1", "OPCC-2"]


async def test_a_second_sender_with_no_email_never_inherits_the_first_persons_email(engine: AsyncEngine) -> None:
    """In a shared channel, Sam speaks, then Jo (whose lookup fails): Sam's alerts must not go to Jo."""
    sessions = session_factory(engine)
    channel = dict(REFERENCE, conversation={"id": "19:c@thread.tacv2"})
    async with sessions.begin() as session:
        await save_conversation(session, record(conversation_id="19:c@thread.tacv2", conversation_type="channel", reference=channel))
        await save_conversation(session, record(conversation_id="19:c@thread.tacv2", conversation_type="channel",
                                                reference=channel, user_id="29:jo", user_email=""))
    async with sessions() as session:
        target = await delivery_target(session, "sam@mopac.example")
        stored = await find_conversation(session, "19:c@thread.tacv2")
    assert target is None or target.reference["user"]["id"] == "29:sam"
    assert stored is not None and (stored.user_id, stored.user_email) in (("29:jo", ""), ("29:sam", "sam@mopac.example"))


async def test_the_same_sender_with_a_failed_lookup_keeps_their_own_email(engine: AsyncEngine) -> None:
    """Sam's lookup failing on a later message does not forget who Sam is."""
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await save_conversation(session, record(conversation_id="19:c@thread.tacv2", conversation_type="channel"))
        await save_conversation(session, record(conversation_id="19:c@thread.tacv2", conversation_type="channel", user_email=""))
    async with sessions() as session:
        target = await delivery_target(session, "sam@mopac.example")
    assert target is not None and target.create_personal and target.reference["user"]["id"] == "29:sam"
