"""Build the Teams app package: manifest.json, color.png and outline.png in one zip.

A Teams administrator side-loads (or publishes to the organisation's catalogue) the zip
that `commissioning-bot manifest --app-id ID -o app.zip` writes. Everything that differs
per installation — the bot's Microsoft App ID, the version, the developer details, the
bot's domain — is filled into `manifest.template.json` here and checked first, so a bad
value is refused with a message instead of a package Teams rejects later.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
TEMPLATE = HERE / "manifest.template.json"
ICONS = ("color.png", "outline.png")

DEFAULT_NAME = "Commissioning register"
DEFAULT_VERSION = "1.0.0"
DEFAULT_DEVELOPER = "Commissioning team"
# Placeholders that validate; replace them before publishing to the whole organisation.
PLACEHOLDER_URL = "https://example.org/commissioning-bot"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$")

NOT_A_GUID = "The app id must be the bot's Microsoft App ID, a GUID like 00000000-0000-0000-0000-000000000000; got {value!r}."
BAD_VERSION = "The version must be three numbers like 1.0.0 (Teams needs a higher one for each update); got {value!r}."
NAME_TOO_LONG = "The app name can be at most 30 characters (Teams' limit); {value!r} has {length}."
DEVELOPER_TOO_LONG = "The developer name can be at most 32 characters (Teams' limit); {value!r} has {length}."
NOT_HTTPS = "The {what} must be an https:// address; got {value!r}."
BAD_DOMAIN = "A valid domain is a host name like bot.example.org (no https:// or path); got {value!r}."
TOO_MANY_DOMAINS = "Teams allows at most 16 valid domains; got {count}."


class ManifestRefused(ValueError):
    """A value that would make a package Teams rejects; the message says what to give instead."""


@dataclass(frozen=True)
class AppDetails:
    """What differs between installations of the app."""

    bot_id: str
    teams_app_id: str = ""  # defaults to the bot id, the usual choice for a bot-only app
    name: str = DEFAULT_NAME
    version: str = DEFAULT_VERSION
    developer_name: str = DEFAULT_DEVELOPER
    website_url: str = PLACEHOLDER_URL
    privacy_url: str = PLACEHOLDER_URL
    terms_url: str = PLACEHOLDER_URL
    valid_domains: tuple[str, ...] = field(default=())

    def checked(self) -> AppDetails:
        """These details with ids lower-cased, or `ManifestRefused` naming the first bad value."""
        for value in (self.bot_id, self.teams_app_id or self.bot_id):
            if not _GUID.match(value.strip()):
                raise ManifestRefused(NOT_A_GUID.format(value=value))
        if not _SEMVER.match(self.version):
            raise ManifestRefused(BAD_VERSION.format(value=self.version))
        if not self.name.strip() or len(self.name) > 30:
            raise ManifestRefused(NAME_TOO_LONG.format(value=self.name, length=len(self.name)))
        if not self.developer_name.strip() or len(self.developer_name) > 32:
            raise ManifestRefused(DEVELOPER_TOO_LONG.format(value=self.developer_name, length=len(self.developer_name)))
        for what, url in (("website URL", self.website_url), ("privacy URL", self.privacy_url), ("terms of use URL", self.terms_url)):
            if not url.lower().startswith("https://") or len(url) > 2048 or " " in url:
                raise ManifestRefused(NOT_HTTPS.format(what=what, value=url))
        domains = tuple(dict.fromkeys(d.strip().lower() for d in self.valid_domains if d.strip()))
        if len(domains) > 16:
            raise ManifestRefused(TOO_MANY_DOMAINS.format(count=len(domains)))
        for domain in domains:
            if not _DOMAIN.match(domain):
                raise ManifestRefused(BAD_DOMAIN.format(value=domain))
        return AppDetails(
            bot_id=self.bot_id.strip().lower(),
            teams_app_id=(self.teams_app_id or self.bot_id).strip().lower(),
            name=self.name.strip(),
            version=self.version,
            developer_name=self.developer_name.strip(),
            website_url=self.website_url,
            privacy_url=self.privacy_url,
            terms_url=self.terms_url,
            valid_domains=domains,
        )

    @property
    def uses_placeholder_urls(self) -> bool:
        return PLACEHOLDER_URL in (self.website_url, self.privacy_url, self.terms_url)


def build_manifest(details: AppDetails) -> dict:
    """The manifest for these details: the template with every placeholder filled."""
    details = details.checked()
    values = {
        "{{VERSION}}": details.version,
        "{{TEAMS_APP_ID}}": details.teams_app_id,
        "{{BOT_ID}}": details.bot_id,
        "{{NAME}}": details.name,
        "{{DEVELOPER_NAME}}": details.developer_name,
        "{{WEBSITE_URL}}": details.website_url,
        "{{PRIVACY_URL}}": details.privacy_url,
        "{{TERMS_URL}}": details.terms_url,
    }
    manifest = _fill(json.loads(TEMPLATE.read_text(encoding="utf-8")), values)
    if not isinstance(manifest, dict):
        raise ValueError(f"{TEMPLATE.name} is not a JSON object")
    manifest["validDomains"] = list(details.valid_domains)
    if len(manifest["name"]["full"]) > 100:
        manifest["name"]["full"] = details.name
    return manifest


def _fill(node: object, values: dict[str, str]) -> object:
    """Replace placeholders inside every string of the parsed template (never in raw JSON)."""
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, str):
        for placeholder, value in values.items():
            node = node.replace(placeholder, value)
    return node


def write_package(details: AppDetails, output: Path) -> dict:
    """Write the zip (manifest.json and both icons at its root); return the manifest written.

    Entries get a fixed timestamp so the same details always give the same bytes.
    Raises `ManifestRefused` for bad details and `OSError` when the file cannot be written.
    """
    manifest = build_manifest(details)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a failure never leaves half a package.
    partial = output.with_name(output.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "manifest.json", (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
            for icon in ICONS:
                _add(archive, icon, (HERE / icon).read_bytes())
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
