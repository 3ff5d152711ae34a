"""The publisher's settings: required, never guessed, because the files go on a public website.

A made-up funder identifier in open data is worse than none: other agencies join on it. So
`publish` refuses until every setting is present, with a sentence that says what to set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REQUIRED: tuple[tuple[str, str], ...] = (
    ("FUNDER_NAME", "your organisation's name as the public knows it, e.g. Mayor's Office for Policing and Crime"),
    ("FUNDER_ID", "your org-id identifier, e.g. GB-GOR-PC390"),
    ("GRANT_ID_PREFIX", "your registered 360Giving prefix, e.g. 360G-mopac-"),
    ("OCDS_PREFIX", "your registered OCDS prefix, e.g. ocds-abc123"),
    ("PUBLICATION_URL", "the web address the files will be published at, e.g. https://www.example.gov.uk/open-data/"),
)
DEFAULT_PUBLISH_DIR = "published"
MISSING_ONE = "Publishing needs {name}: set it to {what}. Nothing was written."
MISSING_MANY = "Publishing needs {names}. Set them (for example {first} to {what}). Nothing was written."
BAD_URL = "PUBLICATION_URL must be a web address starting https:// or http://, not {value!r}. Nothing was written."
BAD_PREFIX = "GRANT_ID_PREFIX must start with 360G-, not {value!r}. Nothing was written."


class PublisherSettingsMissing(ValueError):
    """One or more publisher settings are missing or unusable; the message says what to set."""

    def __init__(self, message: str, names: tuple[str, ...]) -> None:
        super().__init__(message)
        self.names = names


@dataclass(frozen=True)
class Publisher:
    """Who publishes and where: written into every file so the data can be traced back."""

    funder_name: str
    funder_id: str
    grant_id_prefix: str
    ocds_prefix: str
    publication_url: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Publisher:
        env = os.environ if environ is None else environ
        values = {name: env.get(name, "").strip() for name, _ in REQUIRED}
        missing = [(name, what) for name, what in REQUIRED if not values[name]]
        if len(missing) == 1:
            name, what = missing[0]
            raise PublisherSettingsMissing(MISSING_ONE.format(name=name, what=what), (name,))
        if missing:
            names = ", ".join(n for n, _ in missing[:-1]) + f" and {missing[-1][0]}"
            raise PublisherSettingsMissing(
                MISSING_MANY.format(names=names, first=missing[0][0], what=missing[0][1]), tuple(n for n, _ in missing)
            )
        url = values["PUBLICATION_URL"]
        if not re.match(r"^https?://[^\s/]+", url):
            raise PublisherSettingsMissing(BAD_URL.format(value=url), ("PUBLICATION_URL",))
        if not values["GRANT_ID_PREFIX"].startswith("360G-"):
            raise PublisherSettingsMissing(BAD_PREFIX.format(value=values["GRANT_ID_PREFIX"]), ("GRANT_ID_PREFIX",))
        return cls(values["FUNDER_NAME"], values["FUNDER_ID"], values["GRANT_ID_PREFIX"], values["OCDS_PREFIX"], url)

    def url_of(self, filename: str) -> str:
        """Where a published file will be found."""
        return self.publication_url.rstrip("/") + "/" + filename


def publish_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`PUBLISH_DIR`, where the Teams command writes the files (default ./published)."""
    env = os.environ if environ is None else environ
    return Path(env.get("PUBLISH_DIR", "").strip() or DEFAULT_PUBLISH_DIR)
