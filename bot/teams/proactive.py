"""Proactive sends through the Bot Framework: the `Send` function the outbox sender uses.

`make_send(adapter, app_id)` returns `send(reference, card, create_personal=False, replace="")`:
- with a stored reference (`ConversationReference().deserialize(d)`), it continues that
  conversation and posts the card as a new message (not a reply to the continuation's
  made-up activity id), returning the new activity's id;
- with `replace`, it puts the card in place of that earlier message instead (Update Activity,
  `PUT /v3/conversations/{id}/activities/{activityId}`), so a posted alert shows a decision
  made elsewhere;
- with `create_personal=True` it first opens a personal chat with the user
  (`CloudAdapter.create_conversation(bot_app_id, callback, parameters, channel_id,
  service_url)`, docs/teams-sdk.md trap 3) and returns the new chat's reference so it can be stored.

The SDK builds a new connector client (and msrest configuration, and credentials) for every
proactive turn, which costs more CPU than the HTTP request itself and, with a password, a token
request per send (trap 5). `make_send` therefore sends through its own `CloudAdapter` whose
authentication hands out one connector client per service URL, reused for every send.

The SDK does not retry (trap 4) and the adapter's `on_turn_error` would swallow errors, so
errors are caught inside the turn and mapped onto `notifications.delivery`'s exceptions:
429/412/5xx and network failures are transient (with `Retry-After`), 403/404 mean the bot may
no longer write there, anything else is permanent.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.models import ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.cards.text import summary_text
from bot.teams.connectors import ReusingBotFrameworkAuthentication, ServiceUrlRefused
from notifications.delivery import (
    Card,
    ConversationBlocked,
    PermanentSendError,
    Posted,
    Reference,
    Send,
    TransientSendError,
    retry_after_seconds,
)

TRANSIENT_STATUSES = frozenset({408, 412, 429, 500, 502, 503, 504})
BLOCKED_STATUSES = frozenset({403, 404})


def map_error(error: BaseException) -> Exception:
    """The connector's failure as `TransientSendError`, `ConversationBlocked` or `PermanentSendError`."""
    if isinstance(error, ErrorResponseException):
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        body = (getattr(response, "text", "") or "")[:300]
        message = f"HTTP {status}: {body or error}"
        if status in TRANSIENT_STATUSES or (status is not None and status >= 500):
            return TransientSendError(message, status=status, retry_after=retry_after_seconds(headers.get("Retry-After")))
        if status in BLOCKED_STATUSES:
            return ConversationBlocked(message, status=status)
        if status == 401:
            # Our credentials, not the message: keep it and try again later.
            return TransientSendError(message, status=status)
        return PermanentSendError(message, status=status)
    if isinstance(error, ServiceUrlRefused):
        # A stored reference naming a service URL off the allow-list: it will never be allowed.
        return PermanentSendError(str(error))
    if isinstance(error, (ClientRequestError, ConnectionError, TimeoutError, OSError)):
        return TransientSendError(f"{type(error).__name__}: {str(error)[:200]}")
    if isinstance(error, (TransientSendError, PermanentSendError)):
        return error
    return TransientSendError(f"{type(error).__name__}: {str(error)[:200]}")


def card_message(card: Card) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    fallback = card.get("fallbackText")
    if isinstance(fallback, str) and fallback:
        activity.summary = summary_text(fallback)  # register text, escaped like the card's
    return activity


async def _post_new_message(turn_context: TurnContext, card: Card) -> str:
    """Post the card as a new message in the turn's conversation (never as a reply); returns its id."""
    activity = card_message(card)
    reference = TurnContext.get_conversation_reference(turn_context.activity)
    TurnContext.apply_conversation_reference(activity, reference)
    activity.reply_to_id = None
    responses = await turn_context.adapter.send_activities(turn_context, [activity])
    return str(getattr(responses[0], "id", "") or "") if responses else ""


async def _replace_message(turn_context: TurnContext, card: Card, activity_id: str) -> str:
    """Replace the card of a message the bot posted in this conversation (PUT …/activities/{id})."""
    activity = card_message(card)
    reference = TurnContext.get_conversation_reference(turn_context.activity)
    TurnContext.apply_conversation_reference(activity, reference)
    activity.id = activity_id
    activity.reply_to_id = None
    await turn_context.adapter.update_activity(turn_context, activity)
    return activity_id


def _app_of(claims_identity: ClaimsIdentity) -> str:
    claims = claims_identity.claims or {}
    return str(claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM) or "")


class _ReusedConnectors(ConnectorFactory):
    """Hands out one connector client per (app, service URL, audience), made once."""

    def __init__(self, inner: ConnectorFactory, cache: dict[tuple[str, str, str], ConnectorClient], app: str) -> None:
        self._inner, self._cache, self._app = inner, cache, app

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        key = (self._app, service_url, audience or "")
        client = self._cache.get(key)
        if client is None:
            client = self._cache[key] = await self._inner.create(service_url, audience)
        return client


class CachingAuthentication(BotFrameworkAuthentication):
    """The adapter's own authentication, with connector and token clients reused across sends."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str, str], ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str):  # type: ignore[no-untyped-def]
        return await self._inner.authenticate_request(activity, auth_header)

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str):  # type: ignore[no-untyped-def]
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusedConnectors(self._inner.create_connector_factory(claims_identity), self._connectors, _app_of(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app = _app_of(claims_identity)
        client = self._token_clients.get(app)
        if client is None:
            client = self._token_clients[app] = await self._inner.create_user_token_client(claims_identity)
        return client

    def create_bot_framework_client(self):  # type: ignore[no-untyped-def]
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


def make_send(adapter: CloudAdapter, app_id: str) -> Send:
    """The `Send` function for `notifications.sender.OutboxSender`, using this adapter's credentials."""
    adapter = CloudAdapter(CachingAuthentication(adapter.bot_framework_authentication))

    async def send(reference: Reference, card: Card, *, create_personal: bool = False, replace: str = "") -> Posted:
        if create_personal:
            return await _create_and_send(adapter, app_id, reference, card)
        conversation_reference = ConversationReference().deserialize(reference)
        failures: list[BaseException] = []
        posted: list[str] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                if replace:
                    posted.append(await _replace_message(turn_context, card, replace))
                else:
                    posted.append(await _post_new_message(turn_context, card))
            except Exception as error:  # noqa: BLE001 - mapped below, outside the SDK's error hook
                failures.append(error)

        try:
            await adapter.continue_conversation(conversation_reference, callback, app_id or None)
        except Exception as error:  # noqa: BLE001
            raise map_error(error) from error
        if failures:
            raise map_error(failures[0]) from failures[0]
        return Posted(activity_id=posted[0] if posted else "")

    return send


async def _create_and_send(adapter: CloudAdapter, app_id: str, reference: Reference, card: Card) -> Posted:
    """Open a personal chat with `reference["user"]`, send the card there; returns the chat's reference and the message's id."""
    tenant = ((reference.get("conversation") or {}).get("tenantId")) or ""
    bot = reference.get("bot") or {}
    user = reference.get("user") or {}
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=bot.get("id"), name=bot.get("name")),
        members=[ChannelAccount(id=user.get("id"))],
        tenant_id=tenant or None,
        channel_data={"tenant": {"id": tenant}} if tenant else None,
    )
    created: dict[str, Any] = {}
    failures: list[BaseException] = []

    async def callback(turn_context: TurnContext) -> None:
        activity = turn_context.activity
        activity.from_property = ChannelAccount(id=user.get("id"))
        new_reference = TurnContext.get_conversation_reference(activity).serialize()
        new_reference.pop("activityId", None)
        if tenant:
            new_reference.setdefault("conversation", {})["tenantId"] = tenant
        created["reference"] = new_reference
        try:
            created["activity_id"] = await _post_new_message(turn_context, card)
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    try:
        await adapter.create_conversation(
            app_id or None, callback, parameters, reference.get("channelId") or "msteams", reference.get("serviceUrl")
        )
    except Exception as error:  # noqa: BLE001
        raise map_error(error) from error
    if failures:
        raise map_error(failures[0]) from failures[0]
    return Posted(activity_id=created.get("activity_id", ""), created=created["reference"])


def send_for(settings: Any) -> Send:
    """A `Send` for a process with no running bot (`sweep --deliver`): an adapter of its own from `settings`."""
    local = not settings.app_id  # no credentials, no token sent: loopback peers are fine; else the allow-list
    return make_send(CloudAdapter(ReusingBotFrameworkAuthentication(settings, local=local)), settings.app_id)
