"""The composition root: `create_app(settings, local=…)` builds and wires everything once.

Routes:
- `POST /api/messages` — Bot Framework activities. Our own handler rather than
  `CloudAdapter.process`, which serialises invoke bodies twice (docs/teams-sdk.md trap 1). The request
  is authenticated by the SDK's real JWT validation before the bot sees it; anything that fails
  authentication is 401, a serviceUrl off the allow-list 403, a body that is not JSON (or nests
  deeper than 64 levels) 400, not an activity 400, too big 413, not JSON content 415. A failing turn is logged and the user gets a polite apology; the server stays up.
- `GET /healthz` — JSON: whether the database answers, plus whatever other parts register in
  `app[HEALTH_CHECKS]` (the scheduler, the outbox backlog).

Nothing here is module-level state: tests build as many apps as they like.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.exceptions import DeserializationError
from msrest.serialization import Model
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.answering import Assistant, EngineFactory, question_engine
from bot.cards import alerts as alert_cards
from bot.cards import checkin as checkin_cards
from bot.graph.client import GraphClient, GraphConnection
from bot.graph.installs import GraphInstaller, GraphSettings
from bot.graph.register_source import RegisterSource, SourceRefused
from bot.graph.schedule import RegisterSyncer
from bot.roles import StaffRule
from bot.settings import Settings
from bot.teams.connectors import ReusingBotFrameworkAuthentication, host_of
from bot.teams.conversations import ConversationBook, MemberDirectory
from bot.teams.handler import CommissioningBot
from bot.teams.proactive import make_send
from bot.teams.replies import LeanCloudAdapter
from dialogs.returns_conversation import ReturnsConversation
from dialogs.state_storage import SqlStorage
from notifications.actions import AlertActions
from notifications.calendar import BankHolidays
from notifications.config import AlertSettings, AlertSettingsRefused
from notifications.payment_actions import PaymentActions
from notifications.scheduler import AlertScheduler
from notifications.sender import OutboxSender, SenderOptions
from storage.db import create_engine, session_factory, upgrade
from storage.payments import payment_schedules
from storage.question_context import QuestionContexts
from storage.register_cache import RegisterCache
from storage.returns import ReturnsRepository
from storage.scheduler_lock import SchedulerLock

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
SORRY = "Sorry, something went wrong on my side. Please try again in a minute."
MAX_JSON_DEPTH = 64
TOO_DEEP = f"The request body nests more than {MAX_JSON_DEPTH} levels deep, which no Teams activity does."
SERVICE_URL_REFUSED = (
    "This bot only answers activities whose serviceUrl is a Microsoft Teams service on its allow-list "
    "(ALLOWED_SERVICE_URLS)."
)

ENGINE = web.AppKey("engine", AsyncEngine)
SETTINGS = web.AppKey("settings", Settings)
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", CommissioningBot)
ALERTS = web.AppKey("alerts", AlertScheduler)
REGISTER_SYNC = web.AppKey("register_sync", RegisterSyncer)
REGISTER = web.AppKey("register", RegisterCache)
LOCAL = web.AppKey("local", bool)
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
HEALTH_CHECKS = web.AppKey("health_checks", dict)


class StartupFailed(RuntimeError):
    """The app could not start (the database is unreachable, say); the message says why."""


def london_today() -> date:
    return datetime.now(LONDON).date()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(
    settings: Settings,
    *,
    local: bool,
    today: Callable[[], date] = london_today,
    engine_factory: EngineFactory = question_engine,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
    alert_settings: AlertSettings | None = None,
) -> web.Application:
    """The aiohttp application: database, adapter, bot, routes, start-up and shutdown.

    `credentials_factory` replaces the SDK's outbound credentials (a caching factory for bulk
    sends, or a local stand-in in tests); by default the SDK's own, from `settings`.
    """
    # Graph is reached with the app's own credentials even in local mode (a pilot syncing the
    # team's list while Teams is emulated): only the Bot Framework side runs anonymously.
    graph_credentials = settings
    if local:
        settings = settings.for_local_mode()
    app = web.Application(client_max_size=settings.max_request_bytes)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    authentication = ReusingBotFrameworkAuthentication(settings, local=local, credentials_factory=credentials_factory)
    adapter = LeanCloudAdapter(authentication)
    adapter.on_turn_error = _apologise
    try:
        alerts_config = alert_settings or AlertSettings.from_environ()
    except AlertSettingsRefused as refused:
        raise StartupFailed(str(refused)) from None
    returns_repository = ReturnsRepository(engine)
    register_sync = _register_syncer(graph_credentials, engine, today)
    register = RegisterCache(sessions)
    assistant = Assistant(
        register,
        StaffRule.from_lists(settings.staff_emails, settings.staff_domains, local=local),
        today,
        engine_factory,
        returns=returns_repository.overview,
        payments=payment_schedules(sessions, os.environ.get("PAYMENT_PROFILE", "")),
        contexts=QuestionContexts(sessions),
    )
    # Each new register version's engine and contact map are built in the cache's worker thread.
    register.prepare = assistant.prepare
    graph = GraphSettings.from_environ(settings)
    sender = OutboxSender(
        sessions, make_send(adapter, settings.app_id), alert_cards.render,
        options=SenderOptions(batching=alerts_config.batching, idle_interval=alerts_config.send_interval,
                              lease=timedelta(seconds=alerts_config.claim_lease)),
        install=GraphInstaller(graph).install_for if graph.enabled and not local else None,
    )
    bot = CommissioningBot(
        settings=settings,
        local=local,
        assistant=assistant,
        directory=MemberDirectory(),
        book=ConversationBook(sessions),
        returns=ReturnsConversation(SqlStorage(engine), returns_repository, checkin_cards, today),
        alerts=AlertActions(sessions, today=today, after_decision=register_sync.after_decision, wake_sender=sender.wake),
        register_sync=register_sync,
        publish=_publisher(engine, today),
        payments=PaymentActions(sessions, today, profile=os.environ.get("PAYMENT_PROFILE", ""),
                                after_payment=register_sync.after_payment),
    )
    # On PostgreSQL, of all the processes sharing the database (`serve --workers N`, replicas) one sweeps and sends.
    lock = SchedulerLock(engine) if engine.dialect.name == "postgresql" else None
    alerts = AlertScheduler(sessions, alerts_config, BankHolidays(), sender, lock=lock)
    app[ENGINE] = engine
    app[SETTINGS] = settings
    app[ADAPTER] = adapter
    app[BOT] = bot
    app[ALERTS] = alerts
    app[REGISTER_SYNC] = register_sync
    app[REGISTER] = register
    app[LOCAL] = local
    app[HEALTH_CHECKS] = {
        "database": lambda: _database_health(engine),
        "scheduler": alerts.health,
        "outbox": alerts.outbox_health,
        "register_sync": register_sync.health,
    }
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(_start)
    app.on_startup.append(_warm_register)
    app.on_startup.append(_start_alerts)
    app.on_startup.append(_start_register_sync)
    app.on_cleanup.append(_stop_register_sync)
    app.on_cleanup.append(_stop_alerts)
    app.on_cleanup.append(_stop)
    return app


def _publisher(engine: AsyncEngine, today: Callable[[], date]) -> Callable[[], Awaitable[Any]]:
    """ "publish the register" in Teams: the last completed quarter into PUBLISH_DIR (default ./published)."""
    from publication.service import publish_last_quarter
    from publication.settings import publish_dir

    async def publish() -> Any:
        now = datetime.now(LONDON)
        day = today()
        if now.date() != day:
            now = datetime.combine(day, now.time(), tzinfo=LONDON)
        return await publish_last_quarter(engine, publish_dir(), now)

    return publish


async def _start(app: web.Application) -> None:
    # The SDK sends replies through `requests` in the default executor: give it room for
    # many slow connector calls at once rather than the default handful of threads.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32, thread_name_prefix="connector"))
    try:
        await upgrade(app[ENGINE])
    except Exception as error:  # noqa: BLE001 - one line for the administrator, no traceback
        first_line = str(error).splitlines()[0][:300] if str(error) else ""
        raise StartupFailed(f"Cannot open the database: {type(error).__name__}: {first_line}") from None


async def _warm_register(app: web.Application) -> None:
    """Load the register and build its indexes before the first question, not inside it."""
    try:
        await app[REGISTER].warm()
    except Exception as error:  # noqa: BLE001 - the first question tries again and apologises if it must
        log.warning("Could not load the register at start-up: %s", type(error).__name__)


async def _start_alerts(app: web.Application) -> None:
    """The daily sweep and the outbox sender, unless ALERT_SCHEDULER=off."""
    if app[ALERTS].enabled:
        app[ALERTS].start()


def _register_syncer(settings: Settings, engine: AsyncEngine, today: Callable[[], date]) -> RegisterSyncer:
    """The Microsoft 365 register sync, when REGISTER_SITE says where the register is and the app can sign in."""
    try:
        source = RegisterSource.from_environ()
    except SourceRefused as refused:
        raise StartupFailed(str(refused)) from None
    connection = GraphConnection.from_environ(settings)
    if source.configured and not connection.configured:
        log.warning("REGISTER_SITE is set but the app has no credentials (MicrosoftAppId, MicrosoftAppPassword, "
                    "MicrosoftAppTenantId): the register will not be synced")
    graph = GraphClient(connection) if source.configured and connection.configured else None
    return RegisterSyncer(engine, source, graph, today=today, bank_holidays=BankHolidays())


async def _start_register_sync(app: web.Application) -> None:
    app[REGISTER_SYNC].start()


async def _stop_register_sync(app: web.Application) -> None:
    await app[REGISTER_SYNC].stop()


async def _stop_alerts(app: web.Application) -> None:
    await app[ALERTS].stop()


async def _stop(app: web.Application) -> None:
    await app[BOT].settle()
    adapter = app[ADAPTER]
    if isinstance(adapter, LeanCloudAdapter):
        await adapter.replies.close()
    await app[ENGINE].dispose()


async def _apologise(turn_context: TurnContext, error: Exception) -> None:
    """A turn failed: log what (never secrets or message text) and tell the user politely."""
    activity = turn_context.activity
    log.error(
        "Turn failed for a %s activity in conversation %s: %s: %s",
        activity.type,
        activity.conversation.id if activity.conversation else "?",
        type(error).__name__,
        str(error).splitlines()[0][:300] if str(error) else "",
        exc_info=(type(error), error, error.__traceback__) if log.isEnabledFor(logging.DEBUG) else None,
    )
    if activity.type != "message":
        return
    try:
        await turn_context.send_activity(SORRY)
    except Exception as second:  # noqa: BLE001 - the connector may be the thing that failed
        log.error("Could not send the apology either: %s", type(second).__name__)


def nested_deeper_than(value: Any, limit: int) -> bool:
    """True when lists and objects in `value` nest more than `limit` deep (checked without recursion).

    Teams activities nest a dozen levels at most; far deeper bodies would exhaust the recursion
    of the SDK's deserialiser or of whatever later walks the value.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def read_activity(body: Any) -> Activity | None:
    """The activity in a request body, or None when the body is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        return None
    try:
        activity = Activity().deserialize(body)
    except (DeserializationError, ValueError, TypeError, AttributeError):
        return None
    if not activity.conversation or not activity.conversation.id:
        return None
    if not isinstance(activity.service_url, str) or not activity.service_url.startswith(("https://", "http://")):
        return None
    return activity


async def messages(request: web.Request) -> web.StreamResponse:
    """`POST /api/messages`: one Bot Framework activity in, a status (and invoke body) out."""
    if request.content_type != "application/json":
        return _error(415, "Send activities as application/json.")
    if request.content_length is not None and request.content_length > request.app[SETTINGS].max_request_bytes:
        return _error(413, "The request is too large.")
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "The request is too large.")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, "The request body is not valid JSON.")
    except RecursionError:
        return _error(400, TOO_DEEP)
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        return _error(400, TOO_DEEP)
    activity = read_activity(body)
    if activity is None:
        return _error(400, "The request body is not a Bot Framework activity (type, serviceUrl and conversation.id are needed).")
    if not request.app[SETTINGS].service_url_allowed(activity.service_url, local=request.app[LOCAL]):
        # Checked before the token: replies and the bot's own bearer token would go to that URL.
        log.warning("Refused an activity whose serviceUrl host %s is not on ALLOWED_SERVICE_URLS", host_of(activity.service_url))
        return _error(403, SERVICE_URL_REFUSED)
    adapter = request.app[ADAPTER]
    auth_header = request.headers.get("Authorization", "")
    try:
        authentication = await adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
    except Exception as error:  # noqa: BLE001 - every way a token can fail is "not authorised"
        log.warning("Refused an unauthenticated request: %s", type(error).__name__)
        return _error(401, "Unauthorized.")
    try:
        response = await adapter.process_activity(authentication, activity, request.app[BOT].on_turn)
    except Exception as error:  # noqa: BLE001 - the turn's own errors were handled; this is the adapter's
        log.error("Could not process a %s activity: %s: %s", activity.type, type(error).__name__, error)
        return _error(500, "The bot could not process this activity.")
    if response is None:
        return web.Response(status=201)
    body_out = serializer_helper(response.body) if isinstance(response.body, Model) else response.body
    return web.json_response(body_out, status=response.status)


async def _database_health(engine: AsyncEngine) -> dict[str, Any]:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


async def healthz(request: web.Request) -> web.Response:
    """`GET /healthz`: 200 when every check is fine, else 503; each check's own details."""
    results: dict[str, Any] = {}
    for name, check in request.app[HEALTH_CHECKS].items():
        try:
            results[name] = await asyncio.wait_for(check(), timeout=5)
        except Exception as error:  # noqa: BLE001
            results[name] = {"ok": False, "error": type(error).__name__}
    healthy = all(result.get("ok", True) for result in results.values())
    return web.json_response({"status": "ok" if healthy else "unhealthy", **results}, status=200 if healthy else 503)
