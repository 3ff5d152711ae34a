"""The endpoint under bad input and a misbehaving Bot Connector: 4xx or a polite reply, never a
crash, and the next request is answered as usual."""

from __future__ import annotations

import asyncio
import json
import time

from conftest import STAFF_ID, RunningBot
from teams_register import QUARTER_QUESTION

from bot.app import SORRY


async def still_answers(bot: RunningBot) -> None:
    """A fresh question afterwards gets its card."""
    before = len(bot.connector.sent)
    response = await bot.post(bot.activities.personal("help"))
    assert response.status in (200, 201)
    assert len(bot.connector.sent) == before + 1
    assert bot.connector.sent[-1].cards


async def test_a_one_megabyte_body_is_refused_with_413(local_bot: RunningBot) -> None:
    """Bodies over the limit get 413 and the server keeps answering."""
    activity = local_bot.activities.personal("x" * (1024 * 1024))
    response = await local_bot.post(activity)
    assert response.status == 413
    await still_answers(local_bot)


async def test_a_huge_body_without_content_length_is_refused_with_413(local_bot: RunningBot) -> None:
    """A chunked upload over the limit is cut off with 413 too."""

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"type": "message", "text": "'
        for _ in range(64):
            yield b"y" * 16384
        yield b'"}'

    response = await local_bot.http.post(
        f"{local_bot.url}/api/messages", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    await still_answers(local_bot)


async def test_malformed_json_is_refused_with_400(local_bot: RunningBot) -> None:
    """A body that is not JSON gets 400 with a reason, not a traceback."""
    response = await local_bot.http.post(
        f"{local_bot.url}/api/messages", data=b'{"type": "message", "text": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert "not valid JSON" in (await response.json())["error"]
    await still_answers(local_bot)


async def test_a_body_that_is_not_json_content_is_refused_with_415(local_bot: RunningBot) -> None:
    """Form posts and plain text are not activities."""
    response = await local_bot.http.post(f"{local_bot.url}/api/messages", data="type=message")
    assert response.status == 415


async def test_json_that_is_not_an_activity_is_refused_with_400(local_bot: RunningBot) -> None:
    """Arrays, strings and objects without a type, conversation or service URL get 400."""
    complete = local_bot.activities.personal("hello")
    broken = [
        [1, 2, 3],
        "message",
        {},
        {"type": ""},
        {k: v for k, v in complete.items() if k != "conversation"},
        {k: v for k, v in complete.items() if k != "serviceUrl"},
        dict(complete, serviceUrl="file:///etc/passwd"),
        dict(complete, conversation="not an object"),
    ]
    for body in broken:
        response = await local_bot.http.post(
            f"{local_bot.url}/api/messages", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, body
    assert local_bot.connector.sent == []
    await still_answers(local_bot)


async def test_activities_with_missing_or_odd_fields_get_no_crash(local_bot: RunningBot) -> None:
    """No sender, no recipient, no channel data, numbers for text: a reply or silence, never a 500."""
    base = local_bot.activities.personal("help")
    odd = [
        {k: v for k, v in base.items() if k != "from"},
        {k: v for k, v in base.items() if k != "recipient"},
        {k: v for k, v in base.items() if k != "channelData"},
        dict(base, text=12345),
        dict(base, entities="nope"),
        dict(base, value={"action": "show_more"}),
    ]
    for body in odd:
        response = await local_bot.post(body)
        assert response.status < 500, body
    await still_answers(local_bot)


async def test_unknown_activity_types_are_accepted_quietly(local_bot: RunningBot) -> None:
    """Activity types the bot has no use for are acknowledged and ignored."""
    for kind in ("typing", "messageReaction", "event", "somethingNew", "endOfConversation"):
        response = await local_bot.post(dict(local_bot.activities.personal(None), type=kind))
        assert response.status in (200, 201), kind
    response = await local_bot.post(dict(local_bot.activities.personal(None), type="invoke", name="unknown/thing"))
    assert response.status == 400
    assert local_bot.connector.sent == []
    await still_answers(local_bot)


async def test_a_connector_500_gets_logged_and_the_bot_carries_on(local_bot: RunningBot) -> None:
    """When Teams refuses the reply (and the apology), the request still completes."""
    local_bot.connector.fail_next("500", times=2)
    response = await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION))
    assert response.status in (200, 201)
    await still_answers(local_bot)


async def test_when_only_the_answer_fails_the_user_gets_an_apology(local_bot: RunningBot) -> None:
    """A failed send is followed by a polite "something went wrong" the user can act on."""
    local_bot.connector.fail_next("500")
    await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION))
    assert [s.text for s in local_bot.connector.sent] == [SORRY]


async def test_a_dropped_connection_does_not_take_the_bot_down(local_bot: RunningBot) -> None:
    """The connector closing the socket mid-reply is survived, and later turns are answered."""
    local_bot.connector.fail_next("drop", times=2)
    response = await local_bot.post(local_bot.activities.personal(QUARTER_QUESTION))
    assert response.status in (200, 201)
    await still_answers(local_bot)


async def test_a_slow_connector_does_not_hold_up_other_conversations(local_bot: RunningBot) -> None:
    """While one reply waits on a slow connector, another user's question is answered at once."""
    local_bot.connector.delay = 3.0
    local_bot.connector.fail_next("slow")
    slow = asyncio.create_task(local_bot.post(local_bot.activities.personal(QUARTER_QUESTION)))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    response = await local_bot.post(local_bot.activities.personal("help", sender="29:staff-other"))
    assert response.status in (200, 201)
    assert time.monotonic() - started < 2.0
    assert (await slow).status in (200, 201)
    assert len(local_bot.connector.sent_to(f"a:personal-{STAFF_ID}")) == 1


async def test_an_action_execute_button_is_answered_with_a_card_in_the_invoke_response(local_bot: RunningBot) -> None:
    """`adaptiveCard/action` gets its card back in the HTTP response body (docs/teams-sdk.md trap 1)."""
    value = {"action": {"type": "Action.Execute", "verb": "show_more",
                        "data": {"action": "show_more", "question": QUARTER_QUESTION, "page": 1}}, "trigger": "manual"}
    response = await local_bot.post(dict(local_bot.activities.personal(None), type="invoke", name="adaptiveCard/action", value=value))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["version"] == "1.5"
