"""Malformed and hostile input to /api/messages: deep nesting, odd invoke values, and
hypothesis-generated activities. Whatever arrives, the answer is never a 500 and the server
stays up."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import RunningBot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_endpoint_faults import still_answers


def _invoke(bot: RunningBot, name: str, value: Any) -> dict[str, Any]:
    return dict(bot.activities.personal(None), type="invoke", name=name, value=value)


async def test_json_nested_a_hundred_thousand_deep_is_refused_with_400(local_bot: RunningBot) -> None:
    """Deep nesting would exhaust the parser's recursion: 400, not 500."""
    for body in ('[' * 100_000 + ']' * 100_000, '{"type": "message", "value": ' + '[' * 100_000 + ']' * 100_000 + '}'):
        response = await local_bot.http.post(
            f"{local_bot.url}/api/messages", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, body[:40]
    await still_answers(local_bot)


async def test_moderately_deep_values_inside_an_activity_are_refused_with_400(local_bot: RunningBot) -> None:
    """Nesting the parser survives but nothing in Teams sends (900 deep) is refused too."""
    activity = local_bot.activities.personal(None)
    activity["value"] = {"a": None}
    node = activity["value"]
    for _ in range(900):
        node["a"] = {"a": None}
        node = node["a"]
    response = await local_bot.post(activity)
    assert response.status == 400
    await still_answers(local_bot)


async def test_malformed_adaptive_card_invoke_values_get_a_proper_answer(local_bot: RunningBot) -> None:
    """`value` a string, list, number or null, or `action.data` not an object: a 4xx or a
    200 invoke response saying the button is not valid — never a 500."""
    values: list[Any] = [
        "show_more", ["show_more"], 7, None, True,
        {"action": "show_more"}, {"action": ["x"]}, {"action": None},
        {"action": {"type": "Action.Execute", "data": "show_more"}},
        {"action": {"type": "Action.Execute", "data": ["show_more"]}},
        {"action": {"type": "Action.Execute", "data": None}},
        {"action": {"type": "Action.Execute", "verb": 5, "data": {"action": {"nested": True}}}},
        {"action": {"type": "Action.Execute", "data": {"action": "show_more", "question": ["x"], "page": "two"}}},
    ]
    for value in values:
        response = await local_bot.post(_invoke(local_bot, "adaptiveCard/action", value))
        assert response.status < 500, value
        if response.status == 200:
            body = await response.json()
            assert body.get("statusCode") in (200, 400), value
    await still_answers(local_bot)


async def test_other_invokes_with_odd_values_get_no_500(local_bot: RunningBot) -> None:
    """Task modules, message extensions and unknown invokes with junk values."""
    for name in ("task/fetch", "task/submit", "composeExtension/query", "signin/verifyState", "unknown/thing", "", None):
        for value in ("x", [1], None, {"data": "x"}, {"commandId": 3}):
            activity = _invoke(local_bot, name, value)  # type: ignore[arg-type]
            response = await local_bot.post(activity)
            assert response.status < 500, (name, value)
    await still_answers(local_bot)


# --- hypothesis: activities of every shape -----------------------------------------------

_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False),
                       st.text(max_size=30))
_json = st.recursive(_json_leaf, lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
                     max_leaves=12)
_fields = {
    "type": st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", "messageReaction",
                             "event", "typing", "endOfConversation", "x"]) | _json,
    "name": st.sampled_from(["adaptiveCard/action", "task/fetch", "composeExtension/query"]) | _json,
    "text": st.text(max_size=200) | _json,
    "value": _json,
    "action": st.sampled_from(["add", "remove", "add-upgrade"]) | _json,
    "entities": _json,
    "attachments": _json,
    "membersAdded": _json,
    "membersRemoved": _json,
    "channelData": _json,
    "from": _json,
    "recipient": _json,
    "replyToId": _json,
    "locale": _json,
    "timestamp": _json,
    "textFormat": _json,
}


@st.composite
def activities(draw: st.DrawFn, bases: list[dict[str, Any]]) -> dict[str, Any]:
    """A Teams-shaped activity (a message or an `Action.Execute` invoke) with some fields replaced by anything JSON can hold."""
    activity = dict(draw(st.sampled_from(bases)))
    for name, strategy in _fields.items():
        if draw(st.booleans()):
            if draw(st.integers(0, 4)) == 0:
                activity.pop(name, None)
            else:
                activity[name] = draw(strategy)
    return activity


async def test_hypothesis_activities_never_get_a_500(local_bot: RunningBot) -> None:
    """Two hundred generated activities: each answered below 500, and the server still healthy after.

    Hypothesis runs in a worker thread (it drives plain functions); each example's request is
    posted on the test's event loop, where the bot's server and the client session live.
    """
    loop = asyncio.get_running_loop()
    execute = {"action": {"type": "Action.Execute", "data": {"action": "show_more", "question": "help", "page": 1}}}
    bases = [local_bot.activities.personal("help"), _invoke(local_bot, "adaptiveCard/action", execute)]
    statuses: list[int] = []

    async def status_of(activity: dict[str, Any]) -> int:
        return (await local_bot.post(activity)).status

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(activities(bases))
    def post_one(activity: dict[str, Any]) -> None:
        status = asyncio.run_coroutine_threadsafe(status_of(activity), loop).result(timeout=60)
        statuses.append(status)
        assert status < 500, activity

    await asyncio.to_thread(post_one)
    assert len(statuses) >= 200
    health = await local_bot.http.get(f"{local_bot.url}/healthz")
    assert health.status == 200
    await still_answers(local_bot)
