"""A stand-in Bot Connector for delivery tests: enforces Teams' rate limits and misbehaves on cue.

Serves `POST /v3/conversations/{id}/activities[/{replyTo}]` (a message from the bot) and
`POST /v3/conversations` (create a personal chat). It records every message it accepted, with
the alert headings in its card, so tests can check each alert arrived exactly once and in order.

- always: an activity over Teams' size limit (UTF-16, about 100 KB) gets 413 `MessageSizeTooBig`,
  is kept in `too_big` and not recorded;
- `enforce_limits=True`: per conversation 7 in 1 s and 8 in 2 s, per app 50 in 1 s, counted
  at arrival; a message over a limit gets 429 with `Retry-After` and is not recorded.
- `stall_after(n)`: once `n` messages are recorded, every later message waits, unrecorded, until
  `unstall()`, and is then answered 503 — a connector that hangs and finally gives up;
- `fail_next(kind, times, conversation=None)`: `"429"` (with `Retry-After`), `"500"`,
  `"gone"` (404 ConversationNotFound: a deleted chat),
  `"slow"` (answers after `slow_seconds`, then records), `"drop"` (closes the connection
  before answering; nothing recorded) or `"blocked"` (403 `MessageWritesBlocked`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from stand_ins.local_server import LocalServer
from stand_ins.message_size import too_big

FAULTS = ("429", "500", "slow", "drop", "blocked", "gone")


@dataclass
class Received:
    conversation_id: str
    activity: dict[str, Any]
    at: float

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"] for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def headings(self) -> list[str]:
        """Each alert's heading ("Agreement ending soon: REF-0001"), in card order."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                runs = (node.get("inlines") or []) if node.get("type") == "RichTextBlock" else []
                line = "".join(str(run.get("text", "")) for run in runs)
                if runs and runs[0].get("size") == "Medium" and ": " in line:
                    found.append(line)
                for key in ("body", "items", "columns"):
                    for child in node.get(key) or []:
                        walk(child)
            elif isinstance(node, list):
                for child in node:
                    walk(child)

        for card in self.cards:
            walk(card)
        return found


    @property
    def digest_references(self) -> list[str]:
        """The references a digest card lists, one per line (shown or behind "Show all"), in card order."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                question = str(((node.get("selectAction") or {}).get("data") or {}).get("question", ""))
                if question.startswith("tell me about "):
                    found.append(question.removeprefix("tell me about "))
                for key in ("body", "items", "columns", "actions", "inlines"):
                    for child in node.get(key) or []:
                        walk(child)
                if isinstance(node.get("card"), dict):
                    walk(node["card"])
            elif isinstance(node, list):
                for child in node:
                    walk(child)

        for card in self.cards:
            walk(card)
        return found


class _Windows:
    def __init__(self, limits: list[tuple[int, float]]) -> None:
        self.limits = limits
        self.times: deque[float] = deque(maxlen=max(count for count, _ in limits))

    def allows(self, now: float) -> bool:
        return all(len(self.times) < count or now - self.times[-count] >= period for count, period in self.limits)


@dataclass
class FaultyConnector:
    enforce_limits: bool = False
    retry_after: str = "1"
    slow_seconds: float = 0.5
    received: list[Received] = field(default_factory=list)
    too_big: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    throttled: int = 0
    requests: int = 0
    url: str = ""
    _faults: list[tuple[str, str | None]] = field(default_factory=list)
    _per_conversation: dict[str, _Windows] = field(default_factory=dict)
    _app: _Windows = field(default_factory=lambda: _Windows([(50, 1.0)]))
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _server: LocalServer | None = None
    _stall_at: int | None = None
    _unstalled: asyncio.Event = field(default_factory=asyncio.Event)
    stalled_requests: int = 0

    def stall_after(self, count: int) -> None:
        self._stall_at = count
        self._unstalled.clear()

    @property
    def stalled(self) -> bool:
        return self._stall_at is not None and len(self.received) >= self._stall_at

    def unstall(self) -> None:
        self._stall_at = None
        self._unstalled.set()

    def fail_next(self, kind: str, times: int = 1, conversation: str | None = None) -> None:
        assert kind in FAULTS, kind
        self._faults.extend([(kind, conversation)] * times)

    def _take_fault(self, conversation_id: str) -> str | None:
        for index, (kind, only) in enumerate(self._faults):
            if only is None or only == conversation_id:
                del self._faults[index]
                return kind
        return None

    def to(self, conversation_id: str) -> list[Received]:
        return [r for r in self.received if r.conversation_id == conversation_id]

    def headings_to(self, conversation_id: str) -> list[str]:
        return [h for r in self.to(conversation_id) for h in r.headings]

    def all_headings(self) -> list[str]:
        return [h for r in self.received for h in r.headings]

    async def start(self) -> FaultyConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        self._server = LocalServer(app)
        self.url = await self._server.start() + "/"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()

    def _over_limit(self, conversation_id: str, now: float) -> bool:
        if not self.enforce_limits:
            return False
        windows = self._per_conversation.setdefault(conversation_id, _Windows([(7, 1.0), (8, 2.0)]))
        if not (windows.allows(now) and self._app.allows(now)):
            return True
        windows.times.append(now)
        self._app.times.append(now)
        return False

    async def _post(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        conversation_id = request.match_info["conversation"]
        fault = self._take_fault(conversation_id)
        if fault == "drop":
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError("stand-in dropped the connection")
        if fault == "500":
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in failure"}}, status=500)
        if fault == "429":
            return self._throttle()
        if fault == "gone":
            return web.json_response(
                {"error": {"code": "ConversationNotFound", "message": "Conversation not found."}}, status=404
            )
        if fault == "blocked":
            return web.json_response(
                {"error": {"code": "MessageWritesBlocked", "message": "Bot is blocked"}}, status=403
            )
        body = await request.json()
        refused = too_big(body)
        if refused is not None:
            self.too_big.append(body)
            return refused
        if self.stalled:
            self.stalled_requests += 1
            await self._unstalled.wait()
            return web.json_response({"error": {"code": "ServiceUnavailable", "message": "stalled"}}, status=503)
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        now = time.monotonic()
        if self._over_limit(conversation_id, now):
            self.throttled += 1
            return self._throttle()
        self.received.append(Received(conversation_id, body, now))
        return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

    def _throttle(self) -> web.Response:
        return web.json_response(
            {"error": {"code": "Throttled", "message": "Too many requests"}}, status=429, headers={"Retry-After": self.retry_after}
        )

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        members = body.get("members") or [{}]
        return web.json_response({"id": f"a:personal-{members[0].get('id')}", "activityId": None}, status=201)
