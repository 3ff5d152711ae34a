"""Microsoft 365 Agents Playground (npm `@microsoft/m365agentsplayground`) as a real Teams client.

Started exactly as docs/teams-sdk.md describes, it sends Teams-shaped activities to the bot and acts
as its Bot Connector; every activity either way appears on its websocket log stream, which is how
tests read what the bot said. The playground logs its own outgoing activity only after the bot has
answered that POST, so all of a turn's replies come before that log entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout, WSMsgType

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
NOT_INSTALLED = (
    "Microsoft 365 Agents Playground is not installed: run `npm ci` in the repository root "
    "(Node.js 20 or later), then run the tests again."
)
PLAYGROUND = "Microsoft 365 Agents Playground"
BOT_SIDE = "User Application"


def require_playground() -> None:
    """Fail on CI (CI=true) when the playground is missing; elsewhere skip with what to run."""
    missing = not PLAYGROUND_CLI.exists() or shutil.which("node") is None
    if not missing:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(NOT_INSTALLED, pytrace=False)
    pytest.skip(NOT_INSTALLED)


@dataclass
class Playground:
    """A running playground process and a reader of its log stream."""

    process: asyncio.subprocess.Process
    url: str
    http: ClientSession
    config: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    # What the playground's chat shows, message by message, from its conversation stream.
    shown: list[dict[str, Any]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _shown_reader: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def user_id(self) -> str:
        return self.config["currentUser"]["id"]

    @property
    def bot(self) -> dict[str, str]:
        return self.config["bot"]

    @property
    def personal_chat(self) -> str:
        return self.config["personalChat"]["id"]

    @property
    def channel(self) -> str:
        return self.config["teams"][0]["channels"][0]["id"]

    async def start_reading(self) -> None:
        socket = await self.http.ws_connect(f"{self.url}/_ws/log/stream")

        async def read() -> None:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    break
                data = message.json()
                if data.get("logAction") == "appendLog" and isinstance(data.get("log"), dict):
                    self.log.append(data["log"])
                    self._changed.set()

        self._reader = asyncio.create_task(read())
        chat = await self.http.ws_connect(f"{self.url}/_ws_conversation/v1/conversations/stream")

        async def read_chat() -> None:
            async for message in chat:
                if message.type != WSMsgType.TEXT:
                    break
                data = message.json()
                if data.get("action") == "createMessage" and isinstance(data.get("message"), dict):
                    self.shown.append({**data["message"], "conversation": data.get("actionConversationId")})

        self._shown_reader = asyncio.create_task(read_chat())

    async def stop(self) -> None:
        for reader in (self._reader, self._shown_reader):
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader
        if self.process.returncode is None:
            self.process.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.process.wait(), 10)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def _wait_for(self, start: int, predicate, timeout: float = 20.0) -> int:  # type: ignore[no-untyped-def]
        """Index of the first log entry from `start` on that satisfies `predicate`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for index in range(start, len(self.log)):
                if predicate(self.log[index]):
                    return index
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"the playground did not log the expected activity; log so far: {self.log[start:]}")
            self._changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _bot_messages(self, start: int, end: int) -> list[dict[str, Any]]:
        replies = []
        for entry in self.log[start:end]:
            if entry.get("from") == BOT_SIDE and entry.get("activityName") == "message":
                if entry.get("level") == "warning":
                    continue
                replies.append(entry["request"]["body"])
        return replies

    async def _turn(self, send, *kinds: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        """Run `send`, wait until the playground logged its activities of `kinds`, return the bot's replies."""
        start = len(self.log)
        await send()
        end = start
        for kind in kinds:
            found = await self._wait_for(
                start, lambda e, k=kind: e.get("from") == PLAYGROUND and e.get("activityName") == k
            )
            warning = next((e for e in self.log[start:found + 1] if e.get("level") == "warning"), None)
            assert warning is None, f"the playground could not reach the bot: {warning}"
            end = max(end, found)
        return self._bot_messages(start, end + 1)

    async def say(self, conversation_id: str, text: str, *, mention_bot: bool = False) -> list[dict[str, Any]]:
        """The current user sends `text` (with an @mention of the bot if asked); the bot's replies.

        The playground sends everything as its current user, whatever `from` names.
        """
        body: dict[str, Any] = {"from": {"id": self.user_id}, "text": text, "textFormat": "plain"}
        if mention_bot:
            at = f"<at>{self.bot['name']}</at>"
            body["text"] = f"{at} {text}"
            body["mentions"] = [{"mentioned": {"id": self.bot["id"], "name": self.bot["name"]}, "text": at}]

        async def send() -> None:
            response = await self.http.post(f"{self.url}/_conversation/v1/conversations/{conversation_id}/messages", json=body)
            assert response.status < 300, await response.text()

        return await self._turn(send, "message")

    async def submit(self, conversation_id: str, card_message_id: str, value: dict[str, Any]) -> list[dict[str, Any]]:
        """The user presses an Action.Submit button on the card with `card_message_id`."""
        body = {"conversation": {"id": conversation_id}, "replyToId": card_message_id, "value": value, "from": {"id": self.user_id}}

        async def send() -> None:
            response = await self.http.post(f"{self.url}/_conversation/v1/submit", json=body)
            assert response.status < 300, await response.text()

        return await self._turn(send, "message")

    async def execute(self, conversation_id: str, card_message_id: str, action: dict[str, Any],
                      inputs: dict[str, Any] | None = None) -> Any:
        """The user presses an `Action.Execute` button (its inputs merged into its data, as Teams does):
        the bot's answer to the `adaptiveCard/action` invoke, which the playground hands back."""
        data = {**action.get("data", {}), **(inputs or {})}
        body = {
            "name": "adaptiveCard/action", "conversation": {"id": conversation_id}, "replyToId": card_message_id,
            "value": {"action": {"type": "Action.Execute", "verb": action.get("verb"), "data": data}, "trigger": "manual"},
            "from": {"id": self.user_id},
        }
        response = await self.http.post(f"{self.url}/_conversation/v1/invoke", json=body)
        assert response.status < 300, await response.text()
        return await response.json()

    async def install(self, conversation_id: str) -> list[dict[str, Any]]:
        """Install the app in a conversation: installationUpdate (add) and conversationUpdate."""

        async def send() -> None:
            response = await self.http.post(f"{self.url}/_debug/conversation/{conversation_id}/installation", json={})
            assert response.status < 300, await response.text()

        return await self._turn(send, "installationUpdate", "conversationUpdate")

    async def card_message_id(self, conversation_id: str, card: dict[str, Any], timeout: float = 10.0) -> str:
        """The id of the chat message showing `card`. A reply with text and a card is shown as two
        messages (the playground then answers the bot's post with 202 and no id), so it is read from
        what the chat shows, the latest such message first."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for message in reversed(self.shown):
                contents = [a.get("content") for a in message.get("attachments") or []]
                if message.get("conversation") == conversation_id and card in contents:
                    return str(message["messageId"])
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the playground's chat does not show that card")
            await asyncio.sleep(0.05)

    def message_id_of(self, reply: dict[str, Any]) -> str:
        """The id the playground gave a bot message (the body of its answer to the bot's post)."""
        for entry in self.log:
            if entry.get("from") == BOT_SIDE and entry.get("request", {}).get("body") is reply:
                return str(entry.get("messageId"))
        raise AssertionError("no such reply in the log")


async def start_playground(bot_url: str, log_file: Path) -> Playground:
    """Start the playground against `bot_url` (…/api/messages) and wait until it listens."""
    env = dict(
        os.environ,
        TEAMSAPPTESTER_BROWSER="none",
        APPLICATION_INSIGHTS_NO_STATSBEAT="1",
        M365_AGENTS_PLAYGROUND_LOGFILE=str(log_file),
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    process = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node", str(PLAYGROUND_CLI), "-e", bot_url, "-c", "msteams", "--dt", "-p", "0",
        env=env, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    seen: list[str] = []
    port = None
    try:
        async with asyncio.timeout(30):
            while port is None:
                line = (await process.stdout.readline()).decode(errors="replace")
                if not line:
                    break
                seen.append(line)
                match = re.search(r"Listening on (\d+)", line)
                port = int(match.group(1)) if match else None
    except TimeoutError:
        pass
    if port is None:
        process.kill()
        await process.wait()
        raise AssertionError(f"Agents Playground did not start: {''.join(seen)[-2000:]}")
    http = ClientSession(timeout=ClientTimeout(total=30))
    playground = Playground(process=process, url=f"http://127.0.0.1:{port}", http=http)
    response = await http.get(f"{playground.url}/_internal/v1/testConfig")
    playground.config = (await response.json())["config"]
    await playground.start_reading()
    return playground
