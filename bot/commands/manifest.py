"""`commissioning-bot manifest`: write the Teams app package (zip) an administrator uploads.

Details come from options, else from the environment (the bot's own `MicrosoftAppId`, and
`TEAMS_APP_*` for the developer details), else from defaults that validate.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.commands.common import CommandFailed

PLACEHOLDER_WARNING = (
    "Note: the developer website, privacy and terms URLs are placeholders. Side-loading works; "
    "before publishing to the whole organisation set --website-url, --privacy-url and --terms-url "
    "(or TEAMS_APP_WEBSITE_URL, TEAMS_APP_PRIVACY_URL, TEAMS_APP_TERMS_URL)."
)
WROTE = (
    "Wrote {path}: Teams app “{name}” {version} for bot {bot_id}.\n"
    "Upload it in Teams: Apps → Manage your apps → Upload an app (or the Teams admin centre for everyone)."
)


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--app-id", default=env("MicrosoftAppId"), help="the bot's Microsoft App ID, a GUID (default: $MicrosoftAppId)")
    parser.add_argument("-o", "--output", default="app.zip", help="zip file to write (default: app.zip)")
    parser.add_argument("--name", default=env("TEAMS_APP_NAME"), help="app name shown in Teams, at most 30 characters")
    parser.add_argument("--version", dest="app_version", default=env("TEAMS_APP_VERSION"), help="app version like 1.0.0; raise it for each update")
    parser.add_argument("--teams-app-id", default=env("TEAMS_APP_ID"), help="the Teams app id if it differs from the bot's (a GUID)")
    parser.add_argument("--developer-name", default=env("TEAMS_APP_DEVELOPER_NAME"), help="publisher shown in Teams, at most 32 characters")
    parser.add_argument("--website-url", default=env("TEAMS_APP_WEBSITE_URL"), help="https:// support page")
    parser.add_argument("--privacy-url", default=env("TEAMS_APP_PRIVACY_URL"), help="https:// privacy notice")
    parser.add_argument("--terms-url", default=env("TEAMS_APP_TERMS_URL"), help="https:// terms of use")
    parser.add_argument(
        "--domain",
        action="append",
        default=None,
        help="a domain the app may open, e.g. the bot's host (repeat for more; default: $TEAMS_APP_DOMAINS, comma-separated)",
    )


def run(args: argparse.Namespace) -> int:
    from manifest.package import AppDetails, ManifestRefused, write_package

    if not args.app_id:
        raise CommandFailed("Give the bot's Microsoft App ID: --app-id 00000000-0000-0000-0000-000000000000 (or set MicrosoftAppId).")
    domains = args.domain if args.domain is not None else [d for d in os.environ.get("TEAMS_APP_DOMAINS", "").split(",") if d.strip()]
    given = {
        "name": args.name,
        "version": args.app_version,
        "teams_app_id": args.teams_app_id,
        "developer_name": args.developer_name,
        "website_url": args.website_url,
        "privacy_url": args.privacy_url,
        "terms_url": args.terms_url,
    }
    details = AppDetails(bot_id=args.app_id, valid_domains=tuple(domains), **{k: v for k, v in given.items() if v})
    output = Path(args.output)
    try:
        manifest = write_package(details, output)
    except ManifestRefused as refused:
        raise CommandFailed(str(refused)) from None
    except OSError as error:
        raise CommandFailed(f"Cannot write {output}: {error.strerror or error}.") from None
    print(WROTE.format(path=output, name=manifest["name"]["short"], version=manifest["version"], bot_id=manifest["bots"][0]["botId"]))
    if details.uses_placeholder_urls:
        print(PLACEHOLDER_WARNING, file=sys.stderr)
    return 0
