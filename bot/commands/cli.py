"""`commissioning-bot`: the one console script (also `python -m bot`).

Each subcommand lives in its own module under `bot/commands/` and is imported only when
used, so `ask` and `import` start quickly without loading the Bot Framework.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bot.commands.common import CommandFailed
from storage.db import DEFAULT_DATABASE_URL

# subcommand → (module under bot.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "run the bot (aiohttp on /api/messages and /healthz, scheduler in-process)"),
    "import": ("register_files", "load a register file (CSV or XLSX)"),
    "import-payments": ("payments", "load a payment schedule file (CSV or XLSX) for agreements in the register"),
    "record-payment": ("payments", "record a payment made against an agreement"),
    "export": ("register_files", "write the register as CSV, XLSX or 360Giving JSON"),
    "ask": ("ask", "answer a register question without Teams"),
    "demo": ("demo", "create a realistic demo register"),
    "sync": ("sync", "bring the register up to date with the Microsoft 365 list or workbook"),
    "sweep": ("sweep", "run the alert rules once"),
    "publish": ("publish", "publish a quarter: open data files and a public page, checked first"),
    "status": ("status", "when the last sweep ran and what is waiting to be sent"),
    "manifest": ("manifest", "write the Teams app package (zip)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commissioning-bot", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(f"bot.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"bot.commands.{module_name}":
                raise
            continue  # a subcommand still being built is simply not offered
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--db",
            default=None,
            help=f"database URL (default: $DATABASE_URL or {DEFAULT_DATABASE_URL})",
        )
        module.add_arguments(name, sub)
        sub.set_defaults(run=module.run, module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CommandFailed as failure:
        print(str(failure), file=sys.stderr)
        return failure.code
    except BrokenPipeError:  # the reader (`| head`) stopped listening: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
