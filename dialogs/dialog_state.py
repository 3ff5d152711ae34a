"""The return dialogs' per-person state, written after every turn a dialog ran, never hashed.

The SDK's `BotState` flattens the whole state with jsonpickle to decide whether it changed:
once when it is read, again before saving, and once more after saving — three flattens on top
of the one the store does to write it, a twentieth of a check-in turn's CPU. The return
dialogs change their state on every turn they run (the waterfall moves on, a prompt counts
its attempt), and `ReturnsConversation` saves only after such a turn, so here a save always
writes and nothing is flattened just to compare. The store's e-tag check still refuses a
write over a newer one.
"""

from __future__ import annotations

from botbuilder.core import PrivateConversationState, TurnContext
from botbuilder.core.bot_state import CachedBotState


class _Unhashed(CachedBotState):
    """The SDK's cached state without its change hash (see the module docstring)."""

    def compute_hash(self, obj: object) -> str:
        return ""


class DialogTurnState(PrivateConversationState):
    """`PrivateConversationState` whose `save_changes` always writes what the turn holds."""

    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = self.get_cached_state(turn_context)
        if force or not cached or not cached.state:
            key = self.get_storage_key(turn_context)
            items = await self._storage.read([key])
            turn_context.turn_state[self._context_service_key] = _Unhashed(items.get(key))

    async def save_changes(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = self.get_cached_state(turn_context)
        if cached is None:
            return
        await self._storage.write({self.get_storage_key(turn_context): cached.state})
