"""Bot state in the database: the SDK's storage conformance suite plus e-tag concurrency."""

from __future__ import annotations

import pytest
from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogSet, DialogState
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from botbuilder.testing import StorageBaseTests
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.state_storage import EtagConflict, SqlStorage

CONFORMANCE = [
    "return_empty_object_when_reading_unknown_key",
    "handle_null_keys_when_reading",
    "handle_null_keys_when_writing",
    "does_not_raise_when_writing_no_items",
    "create_object",
    "handle_crazy_keys",
    "update_object",
    "delete_object",
    "delete_unknown_object",
    "perform_batch_operations",
    "proceeds_through_waterfall",
]


@pytest.mark.parametrize("check", CONFORMANCE)
async def test_database_storage_passes_the_sdk_storage_conformance_suite(engine: AsyncEngine, check: str) -> None:
    """Every StorageBaseTests check from botbuilder-testing passes on this database."""
    assert await getattr(StorageBaseTests, check)(SqlStorage(engine))


async def test_a_write_with_a_stale_etag_is_refused_and_changes_nothing(engine: AsyncEngine) -> None:
    """Two turns read the same state; the second writer is refused instead of winning silently."""
    storage = SqlStorage(engine)
    await storage.write({"conv": {"answers": 1, "e_tag": "*"}})
    first = (await storage.read(["conv"]))["conv"]
    second = (await storage.read(["conv"]))["conv"]
    first["answers"] = 2
    await storage.write({"conv": first})
    second["answers"] = 99
    with pytest.raises(EtagConflict):
        await storage.write({"conv": second, "other": {"x": 1}})
    stored = await storage.read(["conv", "other"])
    assert stored["conv"]["answers"] == 2
    assert "other" not in stored


async def test_star_overwrites_whatever_is_stored(engine: AsyncEngine) -> None:
    """The "*" e-tag means "write regardless", as the SDK defines it."""
    storage = SqlStorage(engine)
    await storage.write({"conv": {"n": 1}})
    await storage.write({"conv": {"n": 2, "e_tag": "*"}})
    assert (await storage.read(["conv"]))["conv"]["n"] == 2


async def test_saving_twice_in_one_turn_does_not_conflict_with_itself(engine: AsyncEngine) -> None:
    """The written item takes the new e-tag, so a second save in the same turn succeeds."""
    storage = SqlStorage(engine)
    await storage.write({"conv": {"n": 1}})
    item = (await storage.read(["conv"]))["conv"]
    item["n"] = 2
    await storage.write({"conv": item})
    item["n"] = 3
    await storage.write({"conv": item})
    assert (await storage.read(["conv"]))["conv"]["n"] == 3


def _activity(text: str) -> Activity:
    return Activity(
        type=ActivityTypes.message, text=text, channel_id="msteams",
        conversation=ConversationAccount(id="conv-1"), from_property=ChannelAccount(id="user-1"),
        recipient=ChannelAccount(id="bot"),
    )


async def test_dialog_state_objects_survive_a_round_trip_through_the_database(engine: AsyncEngine) -> None:
    """Dialog state (Python objects) read back from a new store instance is the same state."""
    adapter = TestAdapter()
    state = ConversationState(SqlStorage(engine))
    accessor = state.create_property("DialogState")
    context = TurnContext(adapter, _activity("hi"))
    await state.load(context)
    dialog_state = await accessor.get(context, DialogState)
    dialog_state.dialog_stack.clear()
    await accessor.set(context, dialog_state)
    DialogSet(accessor)
    await state.save_changes(context, force=True)

    fresh = ConversationState(SqlStorage(engine))
    fresh_context = TurnContext(adapter, _activity("again"))
    await fresh.load(fresh_context)
    restored = await fresh.create_property("DialogState").get(fresh_context)
    assert isinstance(restored, DialogState)


async def test_two_turns_racing_on_one_conversation_cannot_both_save(engine: AsyncEngine) -> None:
    """Last-writer-wins is closed: the slower of two turns that read the same state fails to save."""
    adapter = TestAdapter()
    storage = SqlStorage(engine)
    seed = ConversationState(storage)
    seed_context = TurnContext(adapter, _activity("seed"))
    await seed.load(seed_context)
    await seed.create_property("count").set(seed_context, 1)
    await seed.save_changes(seed_context)

    turns = [ConversationState(storage) for _ in range(2)]
    contexts = [TurnContext(adapter, _activity(f"turn {i}")) for i in range(2)]
    for turn, context in zip(turns, contexts, strict=True):
        await turn.load(context)
    for number, (turn, context) in enumerate(zip(turns, contexts, strict=True), start=2):
        await turn.create_property("count").set(context, number)
    await turns[0].save_changes(contexts[0])
    with pytest.raises(EtagConflict):
        await turns[1].save_changes(contexts[1])
    check = ConversationState(storage)
    check_context = TurnContext(adapter, _activity("check"))
    await check.load(check_context)
    assert await check.create_property("count").get(check_context) == 2

