"""`serve --workers N`: N bot processes accepting on one listening socket, against one PostgreSQL.

One Python process answers on one core; a busy office (or a sweep running beside the turns)
needs more. The parent migrates the database once, opens the port, forks the workers (each one
an ordinary `serve` running aiohttp on the inherited socket: the kernel hands each new
connection to whichever worker accepts first) and then only supervises: a worker that dies is
started again, SIGTERM or SIGINT stops them all cleanly, and a worker that cannot even start
stops the whole server with its reason. The alert sweep and sender run in one worker only
(`storage.scheduler_lock`); questions, check-ins and card presses are served by every one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import time
from types import FrameType

from bot.commands.common import CommandFailed
from bot.settings import Settings

log = logging.getLogger(__name__)

# A worker that exits sooner than this after starting is taken to be unable to start at all.
STARTUP_GRACE = 10.0
STOP_TIMEOUT = 20.0


def serve_workers(settings: Settings, args: argparse.Namespace, url: str) -> int:
    """Run `args.workers` workers until SIGTERM or SIGINT; the exit code `serve` returns."""
    _migrate(settings.database_url)
    try:
        listener = socket.create_server((args.host, args.port), backlog=1024, reuse_port=False,
                                        family=socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    except OSError as error:
        raise CommandFailed(f"Cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    listener.set_inheritable(True)
    supervisor = Supervisor(settings, args, listener)
    try:
        supervisor.start_all()
        print(f"Listening on {url} with {args.workers} workers", flush=True)
        return supervisor.watch()
    finally:
        listener.close()


def _migrate(database_url: str) -> None:
    """Bring the database up to date once, before any worker starts (workers then find nothing to do)."""
    from storage.db import create_engine, upgrade

    async def migrate() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    try:
        asyncio.run(migrate())
    except Exception as error:  # noqa: BLE001 - one line for the administrator, no traceback
        first_line = str(error).splitlines()[0][:300] if str(error) else ""
        raise CommandFailed(f"Cannot start: Cannot open the database: {type(error).__name__}: {first_line}") from None


class Supervisor:
    """Forks the workers, starts dead ones again, stops them all on a signal."""

    def __init__(self, settings: Settings, args: argparse.Namespace, listener: socket.socket) -> None:
        self.settings, self.args, self.listener = settings, args, listener
        self.workers: dict[int, tuple[int, float]] = {}  # pid → (worker number, started at)
        self.stopping = False

    def start_all(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for number in range(1, self.args.workers + 1):
            self._fork(number)

    def _fork(self, number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                code = run_worker(self.settings, self.args, self.listener, number)
            except BaseException as error:  # noqa: BLE001 - report and leave; the parent decides what next
                print(f"Worker {number} stopped: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.workers[pid] = (number, time.monotonic())

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        for pid in list(self.workers):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def watch(self) -> int:
        """Wait on the workers: start one again when it dies; when stopping, wait for all to end."""
        deadline: float | None = None
        failure = ""
        while self.workers:
            if self.stopping and deadline is None:
                deadline = time.monotonic() + STOP_TIMEOUT
            if deadline is not None and time.monotonic() > deadline:
                for pid in list(self.workers):
                    os.kill(pid, signal.SIGKILL)
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.2)
                continue
            number, started = self.workers.pop(pid, (0, 0.0))
            if self.stopping or not number:
                continue
            code = os.waitstatus_to_exitcode(status)
            if time.monotonic() - started < STARTUP_GRACE:
                failure = f"Cannot start: worker {number} stopped at start-up (exit code {code}); the reason is above."
                self._stop(signal.SIGTERM, None)
                continue
            log.warning("Worker %d stopped (exit code %d): starting it again", number, code)
            self._fork(number)
        if failure:
            raise CommandFailed(failure)
        return 0


def run_worker(settings: Settings, args: argparse.Namespace, listener: socket.socket, number: int) -> int:
    """One worker: the ordinary bot application, serving on the shared socket."""
    from aiohttp import web

    from bot.app import StartupFailed, create_app

    try:
        web.run_app(
            create_app(settings, local=args.local),
            sock=listener,
            print=None,
            shutdown_timeout=10,
            access_log=None,
        )
    except StartupFailed as failed:
        print(f"Cannot start worker {number}: {failed}", file=sys.stderr, flush=True)
        return 1
    return 0
