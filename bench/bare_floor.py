"""The floor for the bot-HTTP benchmark: a bare aiohttp app doing only what a turn must.

    python bench/bare_floor.py PORT DATABASE_FILE REPLIES_JSON

For each `POST /api/messages` it reads the activity, runs the same SQL filter the question
means against the same SQLite file (one shared aiosqlite connection), and posts the reply the
bot itself sent for that question (captured by `bench/bot_http.py`) to the activity's
connector on one kept-alive session. No authentication, no state, no cards built: what is
left is the cost of HTTP in and out and of the query. Run by `bench/bot_http.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite
from aiohttp import ClientSession, web

# The same filters as the questions (current end date = extended_to, else end_date).
LIST_SQL = (
    "SELECT a.reference, a.title, p.name, COALESCE(a.extended_to, a.end_date) AS current_end, a.value "
    "FROM agreements a JOIN providers p ON p.id = a.provider_id "
    "WHERE a.kind = 'grant' AND a.status = 'active' AND COALESCE(a.extended_to, a.end_date) BETWEEN ? AND ? "
    "ORDER BY current_end, a.reference"
)
ONE_SQL = (
    "SELECT a.reference, a.title, p.name, a.end_date, a.extended_to, c.name, c.email "
    "FROM agreements a JOIN providers p ON p.id = a.provider_id "
    "LEFT JOIN contacts c ON c.agreement_id = a.id AND c.role = 'provider_contact' WHERE lower(a.reference) = ?"
)


def make_app(database: str, replies: dict[str, Any]) -> web.Application:
    app = web.Application()
    state: dict[str, Any] = {}

    async def start(app: web.Application) -> None:
        state["db"] = await aiosqlite.connect(database)
        state["http"] = ClientSession()

    async def stop(app: web.Application) -> None:
        await state["db"].close()
        await state["http"].close()

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        text = activity.get("text") or ""
        reply = replies[text]
        if reply["kind"] == "list":
            cursor = await state["db"].execute(LIST_SQL, reply["params"])
        else:
            cursor = await state["db"].execute(ONE_SQL, reply["params"])
        rows = await cursor.fetchall()
        await cursor.close()
        assert len(rows) == reply["rows"], (len(rows), reply["rows"])
        conversation = activity["conversation"]["id"]
        url = (f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation, safe='')}"
               f"/activities/{quote(activity['id'], safe='')}")
        body = dict(reply["activity"], conversation=activity["conversation"], replyToId=activity["id"],
                    recipient=activity["from"])
        async with state["http"].post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}) as response:
            await response.read()
        return web.Response(status=201)

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


if __name__ == "__main__":
    port, database, replies_path = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    web.run_app(make_app(database, json.loads(replies_path.read_text())), host="127.0.0.1", port=port, print=None,
                access_log=None)
