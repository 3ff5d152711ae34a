"""Replies within a turn: the activity's JSON built directly, posted on one kept-alive aiohttp session.

The SDK sends each reply through msrest (which walks every card element through its type
machinery) and `requests` in a worker thread, asking the credentials for a token each time.
At 20 people asking at once that costs more CPU than answering the question. So a reply to an
incoming activity is serialised here — the models' own attribute maps, JSON values as they
are, exactly what msrest produces (`tests/bot/test_lean_replies.py` compares the two) — and
posted with one shared `aiohttp.ClientSession`, the bearer token kept for a few minutes.

Proactive sends (alerts, new conversations) keep the SDK's path: they have their own retries
built on its errors (`bot/teams/proactive.py`). Anything this module does not recognise — a
date, an unknown model field — is serialised by msrest as before.
"""

from __future__ import annotations

import asyncio
import json
import time
from enum import Enum
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, Attachment, ResourceResponse
from botframework.connector.auth import AppCredentials, AuthenticationConstants
from msrest.serialization import Model

TOKEN_KEPT_SECONDS = 600  # Entra tokens last an hour or more; MSAL is asked again well before
REPLY_TIMEOUT = aiohttp.ClientTimeout(total=100, connect=20)  # msrest's own connection timeout
_SDK_PATH = frozenset({"delay", ActivityTypes.invoke_response, ActivityTypes.trace})
_PLAIN = (str, int, float, bool, type(None))


class ReplyRefused(Exception):
    """The connector answered a reply with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


class _NotPlain(Exception):
    """A value msrest would convert (a date, say): let msrest serialise the whole activity."""


def model_json(model: Model) -> dict[str, Any]:
    """An activity (or conversation reference) as msrest would serialise it, without msrest's
    per-value type machinery."""
    try:
        return _model(model)
    except _NotPlain:
        return model.serialize()  # type: ignore[no-any-return]


class CardAttachment(Attachment):  # type: ignore[misc]
    """An Adaptive Card the bot built, as an attachment: plain JSON nothing changes once it is sent.

    The SDK deep-copies every activity it sends, and a one-agreement answer's card is some 750
    dicts (1.6 ms a turn, more than finding the answer); the serialiser here would walk it again
    to check it is plain JSON. This attachment is shared, not copied, and its card posted as it is
    (`json` still checks it: anything it cannot encode sends the whole activity through msrest).
    msrest serialises it as the `Attachment` it is.
    """

    def __init__(self, card: dict[str, Any]) -> None:
        super().__init__(content_type=CARD_CONTENT_TYPE, content=card)

    def __deepcopy__(self, memo: dict[int, Any]) -> CardAttachment:
        return self


CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def _model(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    as_built = type(model) is CardAttachment
    for name, description in type(model)._attribute_map.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        key = description["key"]
        if "." in key:
            raise _NotPlain(key)  # a flattened property: msrest's business
        out[key] = value if as_built and description["type"] == "object" else _value(value, description["type"])
    return out


def _model_name(value: Model) -> str:
    return "Attachment" if type(value) is CardAttachment else type(value).__name__


def _value(value: Any, kind: str) -> Any:
    if kind == "str":
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, str):
            return value
        raise _NotPlain(kind)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "object":
        return _plain(value)
    if kind.startswith("[") and isinstance(value, list):
        return [_value(item, kind[1:-1]) for item in value]
    if isinstance(value, Model) and _model_name(value) == kind and not type(value)._subtype_map:
        return _model(value)
    raise _NotPlain(kind)


def _plain(value: Any) -> Any:
    """A free-form value (card content, channel data): JSON as it is, as msrest leaves it."""
    if isinstance(value, _PLAIN) and not isinstance(value, Enum):
        return value
    if isinstance(value, dict):
        return {_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    raise _NotPlain(type(value).__name__)


def _key(key: Any) -> str:
    if isinstance(key, str) and not isinstance(key, Enum):
        return key
    raise _NotPlain("key")


class LeanReplies:
    """Posts replies on one shared session; keeps each app's bearer token for a while."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def reply(self, connector: Any, activity: Activity) -> ResourceResponse:
        """POST `…/v3/conversations/{id}/activities/{replyToId}`, as the SDK's `reply_to_activity` does."""
        conversation_id = activity.conversation.id
        url = (
            f"{connector.config.base_url.rstrip('/')}/v3/conversations/{quote(str(conversation_id), safe='')}"
            f"/activities/{quote(str(activity.reply_to_id), safe='')}"
        )
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json; charset=utf-8",
            "x-ms-conversation-id": conversation_id,
        }
        token = await self._token(connector.config.credentials)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = _body(activity)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=REPLY_TIMEOUT)
        async with self._session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            if response.status not in (200, 201, 202):
                raise ReplyRefused(response.status, text)
            if response.status == 200 and text:
                found = json.loads(text)
                if isinstance(found, dict) and found.get("id"):
                    return ResourceResponse(id=str(found["id"]))
        return ResourceResponse(id=activity.id or "")

    async def _token(self, credentials: Any) -> str:
        if not isinstance(credentials, AppCredentials):
            raise _NotPlain("credentials")
        app_id = credentials.microsoft_app_id
        if not app_id or app_id == AuthenticationConstants.ANONYMOUS_SKILL_APP_ID:
            return ""  # anonymous (local mode): the SDK sends no token either
        key = (app_id, str(getattr(credentials, "oauth_scope", "")))
        kept = self._tokens.get(key)
        if kept is not None and time.monotonic() - kept[1] < TOKEN_KEPT_SECONDS:
            return kept[0]
        # MSAL may call Entra here: never on the event loop.
        token = await asyncio.to_thread(credentials.get_access_token)
        self._tokens[key] = (token, time.monotonic())
        return token


def _body(activity: Activity) -> bytes:
    """The activity's JSON as posted; msrest's when a finished card holds something `json` cannot encode."""
    try:
        found = json.dumps(model_json(activity), ensure_ascii=False)
    except (TypeError, ValueError):
        found = json.dumps(activity.serialize(), ensure_ascii=False)
    return found.encode("utf-8")


class LeanCloudAdapter(CloudAdapter):
    """`CloudAdapter` whose replies within a turn go through `LeanReplies`; everything else as the SDK does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.replies = LeanReplies()

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        connector = context.turn_state.get(self.BOT_CONNECTOR_CLIENT_KEY) if context else None
        lean = (
            connector is not None
            and bool(activities)
            and context.activity is not None
            and context.activity.type != ActivityTypes.event  # proactive sends keep the SDK's errors
            and isinstance(getattr(connector.config, "credentials", None), AppCredentials)
            and all(a.reply_to_id and a.conversation and a.conversation.id and a.type not in _SDK_PATH for a in activities)
        )
        if not lean:
            return await super().send_activities(context, activities)  # type: ignore[no-any-return]
        responses = []
        for activity in activities:
            activity.id = None
            responses.append(await self.replies.reply(connector, activity))
        return responses
