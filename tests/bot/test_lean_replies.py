"""Replies are serialised without msrest, and come out exactly as msrest would write them.

The stand-in connector checks what users see end to end (the rest of tests/bot); these check
the JSON itself against msrest's for every kind of reply the bot sends, and that a reply
goes out on one kept-alive connection with the app's token.
"""

from __future__ import annotations

from datetime import date

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount
from conftest import RunningBot
from stand_ins.credentials import STAND_IN_TOKEN
from teams_register import QUARTER_QUESTION

from bot import cards
from bot.answering import Reply
from bot.questions.engine import QuestionEngine
from bot.teams.conversations import conversation_record
from bot.teams.handler import card_activity, reply_activity
from bot.teams.replies import model_json
from demo.register import COLUMNS, demo_rows
from domain.register_rows import parse_rows

TODAY = date(2026, 11, 22)


def addressed(activity: Activity) -> Activity:
    """As `TurnContext` addresses a reply to the incoming activity."""
    activity.from_property = ChannelAccount(id="28:bot", name="Register bot", role="bot")
    activity.recipient = ChannelAccount(id="29:sam", name="Sam Lee", aad_object_id="aad-1")
    activity.conversation = ConversationAccount(id="a:1", conversation_type="personal", tenant_id="t1", is_group=False)
    activity.service_url, activity.channel_id, activity.reply_to_id, activity.locale = (
        "https://smba.trafficmanager.net/uk/", "msteams", "1:42", "en-GB")
    return activity


def test_every_kind_of_reply_serialises_exactly_as_msrest_does() -> None:
    rows = demo_rows(TODAY)
    register = list(parse_rows(list(COLUMNS), ((n, [r[c] for c in COLUMNS]) for n, r in enumerate(rows, 2))).agreements)
    engine = QuestionEngine(register)
    replies = [
        reply_activity(Reply(answer=engine.answer(question, TODAY)), TODAY)
        for question in (QUARTER_QUESTION, "who is the contact for OPCC-2023-014?", "which agreements have data quality problems?",
                         "what is the meaning of life?")
    ]
    replies += [
        reply_activity(Reply(help=True, note="I could not confirm who you are just now."), TODAY),
        card_activity(cards.welcome_card(), summary="Welcome"),
        Activity(type=ActivityTypes.message, text="Sorry — “quotes”, £ and emoji 🙂"),
        Activity(type=ActivityTypes.typing),
    ]
    for activity in replies:
        addressed(activity)
        assert model_json(activity) == activity.serialize()


def test_the_conversation_reference_kept_for_alerts_is_what_msrest_would_store() -> None:
    incoming = Activity(type=ActivityTypes.message, id="1:7", text="hello")
    incoming.from_property = ChannelAccount(id="29:sam", name="Sam Lee", aad_object_id="aad-1", role="user")
    incoming.recipient = ChannelAccount(id="28:bot", name="Register bot")
    incoming.conversation = ConversationAccount(id="19:abc@thread.tacv2;messageid=99", conversation_type="channel",
                                                tenant_id="t1", is_group=True, name="Contracts")
    incoming.service_url, incoming.channel_id, incoming.locale = "https://smba.trafficmanager.net/uk/", "msteams", "en-GB"
    reference = TurnContext.get_conversation_reference(incoming)
    assert model_json(reference) == reference.serialize()
    stored = conversation_record(incoming, "Sam.Lee@Example.gov.uk")
    assert stored.reference["conversation"]["id"] == "19:abc@thread.tacv2"  # the channel, not the thread
    assert stored.reference["user"] == {"id": "29:sam", "name": "Sam Lee", "aadObjectId": "aad-1", "role": "user"}
    assert "activityId" not in stored.reference and stored.user_email == "sam.lee@example.gov.uk"


async def test_replies_share_one_connection_and_carry_the_apps_token(secured_bot: RunningBot) -> None:
    bot = secured_bot
    for _ in range(3):
        response = await bot.post(bot.activities.personal(QUARTER_QUESTION))
        assert response.status in (200, 201)
    sent = bot.connector.sent[-3:]
    assert all(s.cards for s in sent)
    assert len({s.peer for s in sent}) == 1  # kept alive: one TCP connection for every reply
    assert all(s.authorization == f"Bearer {STAND_IN_TOKEN}" for s in sent)
