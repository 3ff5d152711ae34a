"""`commissioning-bot serve`: run the bot on /api/messages and /healthz.

With Bot Framework credentials in the environment it serves Teams. `--local` runs without
credentials for Microsoft 365 Agents Playground, and only on a loopback address: anything
else refuses to start with a message saying what to set. botbuilder is imported in `run()`
only, so other subcommands start quickly.
"""

from __future__ import annotations

import argparse
import logging
import sys

from bot.commands.common import CommandFailed

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3978

PLAYGROUND_HINT = (
    "Local mode: no authentication, {url} only.\n"
    "Chat with the bot: TEAMSAPPTESTER_BROWSER=none npx agentsplayground -e {url}/api/messages -c msteams\n"
    "then open http://127.0.0.1:56150"
)


WORKERS_NEED_POSTGRESQL = (
    "--workers {workers} needs PostgreSQL: SQLite lets one process write at a time, so more workers "
    "would only queue for its lock. Set DATABASE_URL (or --db) to a postgresql:// database, or run one worker."
)


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--local",
        action="store_true",
        help="local mode for Microsoft 365 Agents Playground: no app credentials, loopback only",
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="processes serving the one port (default 1; more than one needs PostgreSQL)",
    )


def run(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import StartupFailed, create_app
    from bot.commands.common import database_url
    from bot.settings import Settings, SettingsRefused

    try:
        settings = Settings.from_environ().with_database(database_url(args))
    except SettingsRefused as refused:
        raise CommandFailed(f"Cannot start: {refused}") from None
    refusal = settings.refusal_to_serve(args.host, local=args.local)
    if refusal:
        raise CommandFailed(f"Cannot start: {refusal}")
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.workers < 1:
        raise CommandFailed("Cannot start: --workers must be 1 or more.")
    if args.workers > 1 and not settings.database_url.startswith("postgresql"):
        raise CommandFailed(f"Cannot start: {WORKERS_NEED_POSTGRESQL.format(workers=args.workers)}")
    if args.local and settings.app_id:
        logging.getLogger(__name__).warning("Local mode ignores MicrosoftAppId and runs without authentication.")
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}"
    if args.local:
        print(PLAYGROUND_HINT.format(url=url), flush=True)
    if args.workers > 1:
        from bot.commands.workers import serve_workers

        return serve_workers(settings, args, url)
    try:
        web.run_app(
            create_app(settings, local=args.local),
            host=args.host,
            port=args.port,
            print=lambda _: print(f"Listening on {url}", flush=True),
            shutdown_timeout=10,
            access_log=None,
        )
    except StartupFailed as failed:
        raise CommandFailed(f"Cannot start: {failed}") from None
    except OSError as error:
        raise CommandFailed(f"Cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    except Exception as error:  # noqa: BLE001 - start-up failures (database) as one line, not a traceback
        raise CommandFailed(f"Cannot start: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}") from None
    return 0
