"""A stand-in Bot Connector (v3 REST API) that records what the bot sends.

Serves what the SDK calls during a turn:
- `POST /v3/conversations/{id}/activities` and `…/activities/{replyToId}`: a message from the
  bot; recorded in `sent` and answered with a new activity id;
- `PUT /v3/conversations/{id}/activities/{activityId}`: Update Activity, replacing a message
  the bot posted; recorded in `updated`, answered 200 with the activity's id, or 404 `NotFound`
  for an activity it never posted there or that was deleted (`delete(activityId)`, as a person
  deleting the message in Teams);
- `GET /v3/conversations/{id}/members/{memberId}`: a member with `email` and
  `userPrincipalName` from `members` (404 `MemberNotFoundInConversation` otherwise).

An activity over Teams' size limit (UTF-16, about 100 KB) is refused with 413
`MessageSizeTooBig` and kept in `too_big`.

`fail_next(kind, times)` makes the next activity posts misbehave the way a real connector
can: `"slow"` (answers after `delay` seconds), `"500"`, `"429"`, `"drop"` (closes the
connection without an answer) or `"hang"` (reads the activity into `hung`, sets `hanging`, and
never answers until `stop`: the bot is stuck mid-send, as when its process is killed there).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from stand_ins.local_server import LocalServer
from stand_ins.message_size import too_big


@dataclass
class Sent:
    """One activity the bot posted."""

    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    authorization: str | None
    # The bot's end of the TCP connection: the same port twice means a kept-alive connection.
    peer: tuple[str, int] | None = None
    # The id this connector gave the message (what Update Activity names).
    activity_id: str = ""

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class StandInConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    delay: float = 2.0
    sent: list[Sent] = field(default_factory=list)
    # Activities refused with 413 MessageSizeTooBig, as Teams refuses them (stand_ins.message_size).
    too_big: list[dict[str, Any]] = field(default_factory=list)
    member_lookups: list[str] = field(default_factory=list)
    # Replacements of posted messages (Update Activity), in order; `Sent.reply_to_id` holds the replaced id.
    updated: list[Sent] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    url: str = ""
    hung: list[Sent] = field(default_factory=list)
    hanging: asyncio.Event = field(default_factory=asyncio.Event)
    _faults: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _posted: dict[str, str] = field(default_factory=dict)
    _server: LocalServer | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def add_member(self, member_id: str, name: str, email: str, aad_object_id: str = "") -> None:
        self.members[member_id] = {
            "id": member_id,
            "name": name,
            "email": email,
            "userPrincipalName": email,
            "aadObjectId": aad_object_id or f"aad-{member_id}",
            "tenantId": "",
        }

    def fail_next(self, kind: str, times: int = 1) -> None:
        assert kind in ("slow", "500", "429", "drop", "hang"), kind
        self._faults.extend([kind] * times)

    def delete(self, activity_id: str) -> None:
        """Someone deleted this message in Teams: it can no longer be updated."""
        self.deleted.add(activity_id)

    def sent_to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    async def start(self) -> StandInConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post_activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post_activity)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put_activity)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._get_member)
        self._server = LocalServer(app)
        self.url = await self._server.start() + "/"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            await self._server.stop()

    async def _post_activity(self, request: web.Request) -> web.StreamResponse:
        fault = self._faults.pop(0) if self._faults else None
        if fault == "drop":
            assert request.transport is not None
            request.transport.abort()
            raise ConnectionResetError("stand-in dropped the connection")
        if fault == "500":
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in failure"}}, status=500)
        if fault == "429":
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}}, status=429, headers={"Retry-After": "1"}
            )
        if fault == "slow":
            await asyncio.sleep(self.delay)
        body = await request.json()
        refused = too_big(body)
        if refused is not None:
            self.too_big.append(body)
            return refused
        if fault == "hang":
            self.hung.append(Sent(request.match_info["conversation"], request.match_info.get("reply_to"), body, None))
            self.hanging.set()
            await self._release.wait()
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in hung"}}, status=503)
        activity_id = f"sent-{next(self._ids)}"
        self._posted[activity_id] = request.match_info["conversation"]
        self.sent.append(
            Sent(
                conversation_id=request.match_info["conversation"],
                reply_to_id=request.match_info.get("reply_to"),
                activity=body,
                activity_id=activity_id,
                authorization=request.headers.get("Authorization"),
                peer=request.transport.get_extra_info("peername") if request.transport else None,
            )
        )
        return web.json_response({"id": activity_id}, status=201)

    async def _put_activity(self, request: web.Request) -> web.Response:
        fault = self._faults.pop(0) if self._faults else None
        if fault == "429":
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}}, status=429, headers={"Retry-After": "1"}
            )
        if fault == "500":
            return web.json_response({"error": {"code": "ServiceError", "message": "stand-in failure"}}, status=500)
        conversation, activity_id = request.match_info["conversation"], request.match_info["activity"]
        if self._posted.get(activity_id) != conversation or activity_id in self.deleted:
            return web.json_response({"error": {"code": "NotFound", "message": "Activity not found"}}, status=404)
        body = await request.json()
        refused = too_big(body)
        if refused is not None:
            self.too_big.append(body)
            return refused
        self.updated.append(Sent(conversation, activity_id, body, request.headers.get("Authorization")))
        return web.json_response({"id": activity_id}, status=200)

    async def _get_member(self, request: web.Request) -> web.Response:
        member_id = request.match_info["member"]
        self.member_lookups.append(member_id)
        member = self.members.get(member_id)
        if member is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "no such member"}}, status=404
            )
        return web.json_response(member)
