"""`commissioning-bot sync`: bring the register up to date with the Microsoft 365 list or workbook.

Reads `REGISTER_SITE` and `REGISTER_LIST` or `REGISTER_WORKBOOK` (see docs/operating.md), asks
Entra for an app-only token with the bot's credentials, and syncs once: it prints what was
added, changed, unchanged and flagged as removed, or why it refused (every unreadable item, by
list item id, link and column) and exits 1. `--json` prints the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands.common import CommandFailed, add_today_argument, database_url, migrated_engine, run_async, today_from

NOT_CONFIGURED = ("The register is not in Microsoft 365 yet: set REGISTER_SITE and REGISTER_LIST (or REGISTER_WORKBOOK), "
                  "and MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId. docs/operating.md says how.")
NO_CREDENTIALS = ("Syncing needs the app's credentials: set MicrosoftAppId, MicrosoftAppTenantId and "
                  "MicrosoftAppPassword (or MicrosoftAppCertificateFile).")


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--actor", default="", metavar="EMAIL", help="who asked for the sync (recorded in the audit log)")
    add_today_argument(parser)


def run(args: argparse.Namespace) -> int:
    return run_async(_sync(args, database_url(args)))


async def _sync(args: argparse.Namespace, url: str) -> int:
    from bot.graph.client import GraphClient, GraphConnection
    from bot.graph.register_source import RegisterSource, SourceRefused
    from bot.graph.sync import sync_register
    from bot.settings import Settings, SettingsRefused

    try:
        settings = Settings.from_environ()
        source = RegisterSource.from_environ()
    except (SettingsRefused, SourceRefused) as refused:
        raise CommandFailed(str(refused)) from None
    if not source.configured:
        raise CommandFailed(NOT_CONFIGURED)
    connection = GraphConnection.from_environ(settings)
    if not connection.configured:
        raise CommandFailed(NO_CREDENTIALS)
    engine = await migrated_engine(url)
    try:
        report = await sync_register(engine, source, GraphClient(connection), today=today_from(args.today),
                                     actor=args.actor)
    finally:
        await engine.dispose()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        stream = sys.stdout if report.ok else sys.stderr
        print(report.summary_line(), file=stream)
        for line in report.problems:
            print(f"  {line}", file=stream)
        if report.payments is not None:
            stream = sys.stdout if report.payments.ok else sys.stderr
            print(report.payments.summary_line(), file=stream)
            for line in report.payments.problems:
                print(f"  {line}", file=stream)
    return 0 if report.ok and (report.payments is None or report.payments.ok) else 1
