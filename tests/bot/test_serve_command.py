"""`commissioning-bot serve` as an administrator meets it: refusals that say what to set, a local
mode that answers /healthz, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.app import HEALTH_CHECKS, create_app
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId", "MicrosoftAppType", "BOT_OPENID_METADATA")


def clean_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS and k != "DATABASE_URL"}
    env.update(extra)
    return env


async def serve(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", *args, env=env, cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_serve_without_credentials_refuses_and_says_what_to_set(tmp_path: Path) -> None:
    """No MicrosoftAppId and no --local: exit code 2 and a message naming the variables."""
    process = await serve("--db", f"sqlite:///{tmp_path / 'r.db'}", env=clean_environment())
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    message = err.decode()
    assert "MicrosoftAppId" in message and "MicrosoftAppPassword" in message and "--local" in message
    assert "Traceback" not in message


async def test_local_mode_refuses_to_listen_beyond_this_computer(tmp_path: Path) -> None:
    """`--local --host 0.0.0.0` is refused: local mode has no authentication."""
    process = await serve("--local", "--host", "0.0.0.0", "--db", f"sqlite:///{tmp_path / 'r.db'}", env=clean_environment())
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "127.0.0.1" in err.decode() and "Traceback" not in err.decode()


async def test_local_mode_serves_healthz_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`serve --local` answers /healthz with the database reachable, and SIGTERM ends it with 0."""
    port = free_port()
    process = await serve("--local", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'r.db'}", env=clean_environment())
    assert process.stdout is not None
    try:
        lines = []
        while not any("Listening on" in line for line in lines):
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, f"serve stopped early: {(await process.stderr.read()).decode()}"  # type: ignore[union-attr]
            lines.append(line)
        assert "agentsplayground" in "".join(lines)
        async with ClientSession() as http:
            response = await http.get(f"http://127.0.0.1:{port}/healthz")
            assert response.status == 200
            health = await response.json()
        assert health["status"] == "ok" and health["database"]["ok"] is True
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_healthz_reports_503_when_a_check_fails(tmp_path: Path) -> None:
    """Other parts add checks to /healthz; one failing makes the whole report unhealthy."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"), local=True)

    async def scheduler() -> dict[str, object]:
        return {"ok": False, "state": "stopped"}

    app[HEALTH_CHECKS]["scheduler"] = scheduler
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http:
            response = await http.get(str(server.make_url("/healthz")))
            body = await response.json()
    finally:
        await server.close()
    assert response.status == 503
    assert body["database"]["ok"] is True
    assert body["scheduler"] == {"ok": False, "state": "stopped"}


@pytest.mark.parametrize("variable", ["MAX_REQUEST_BYTES", "LOG_LEVEL"])
async def test_unreadable_settings_stop_serve_with_one_line(tmp_path: Path, variable: str) -> None:
    """A bad setting is reported by name, without a traceback."""
    process = await serve("--local", "--db", f"sqlite:///{tmp_path / 'r.db'}", env=clean_environment(**{variable: "nonsense"}))
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert variable in err.decode() and "Traceback" not in err.decode()


async def test_the_serve_module_does_not_load_the_bot_framework_until_it_runs() -> None:
    """Other subcommands stay quick: importing `bot.commands.serve` leaves botbuilder unloaded."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys, bot.commands.serve; print(any(m.startswith('botbuilder') for m in sys.modules))",
        cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert out.decode().strip() == "False"


async def test_an_unreachable_database_stops_serve_with_one_line() -> None:
    """A database that does not answer is reported as such, not as a port problem or a traceback."""
    process = await serve("--local", "--port", str(free_port()), "--db", "postgresql://nobody@127.0.0.1:1/none", env=clean_environment())
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "Cannot open the database" in err.decode() and "Traceback" not in err.decode()


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


async def advisory_locks_held(url: str) -> int:
    from sqlalchemy import text

    from storage.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
            )) or 0)
    finally:
        await engine.dispose()


async def test_two_workers_share_one_port_and_one_of_them_runs_the_scheduler(db_url: str) -> None:
    """`serve --workers 2`: on SQLite refused in words (one writer at a time); on PostgreSQL two processes
    answer on the one port, exactly one holds the scheduler lock, and SIGTERM stops them all with 0."""
    port = free_port()
    process = await serve("--local", "--port", str(port), "--workers", "2", "--db", db_url,
                          env=clean_environment(ALERT_CATCH_UP_DELAY="3600"))
    if db_url.startswith("sqlite"):
        _, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 2
        assert "--workers 2 needs PostgreSQL" in err.decode() and "Traceback" not in err.decode()
        return
    assert process.stdout is not None
    try:
        line = ""
        while "Listening on" not in line:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, f"serve stopped early: {(await process.stderr.read()).decode()}"  # type: ignore[union-attr]
        assert "with 2 workers" in line
        async with ClientSession() as http:
            for _ in range(150):
                roles = []
                for _ in range(10):
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        health = await response.json()
                        roles.append((response.status, health["scheduler"]["running"], health["scheduler"]["standing_by"]))
                if await advisory_locks_held(db_url) == 1 and all(status == 200 for status, *_ in roles):
                    break
                await asyncio.sleep(0.2)
        assert await advisory_locks_held(db_url) == 1
        assert all(status == 200 for status, *_ in roles)
        assert all(running != standing_by for _, running, standing_by in roles)
        assert len(children_of(process.pid)) == 2
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 40)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
