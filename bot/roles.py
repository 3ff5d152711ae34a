"""Who is asking, and which agreements they may see.

Three roles (docs/architecture.md; roles):
- `commissioner`: staff — an email in `STAFF_EMAILS` or a domain in `STAFF_DOMAINS` — sees
  everything;
- `provider`: the email is a provider contact on some agreement — sees only agreements whose
  provider is that organisation, so the register is filtered *before* a question is answered
  and no question, card or page can reach another provider's rows;
- `unknown`: everyone else — help text only.

Staff wins over provider when an address is both. In local mode with no staff list at all,
everyone who is not a provider contact counts as staff, so Agents Playground's mocked user can
try the bot; as soon as a staff list is set it applies, locally too.
These are plain functions of an email, the register and the staff rule: no bot needed to test them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.agreement import Agreement


class Role(StrEnum):
    COMMISSIONER = "commissioner"
    PROVIDER = "provider"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StaffRule:
    """Which addresses are commissioning staff."""

    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    # Local mode with no staff list: anyone not a provider contact counts as staff.
    everyone: bool = False

    @classmethod
    def from_lists(cls, emails: Iterable[str], domains: Iterable[str], *, local: bool) -> StaffRule:
        emails_set = frozenset(e.strip().lower() for e in emails if e.strip())
        domains_set = frozenset(d.strip().lower().lstrip("@") for d in domains if d.strip())
        return cls(emails_set, domains_set, everyone=local and not emails_set and not domains_set)

    def covers(self, email: str) -> bool:
        address = normalise_email(email)
        local_part, at, domain = address.rpartition("@")
        if not (local_part and at and domain):
            return False
        return address in self.emails or domain in self.domains


@dataclass(frozen=True)
class Caller:
    """The person behind an activity, as far as the register is concerned."""

    email: str
    role: Role
    # Provider organisations (names as the register writes them) a provider contact speaks for.
    providers: frozenset[str] = frozenset()
    # The register the role was decided on: the turn's answer uses the same one.
    register: Sequence[Agreement] = field(default=(), compare=False, repr=False)

    @property
    def may_ask(self) -> bool:
        return self.role is not Role.UNKNOWN

    @property
    def is_staff(self) -> bool:
        """Commissioning staff: they may act on alerts and see the whole register."""
        return self.role is Role.COMMISSIONER


def normalise_email(email: str | None) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def _provider_key(name: str) -> str:
    return " ".join(name.casefold().split())


ContactIndex = Mapping[str, frozenset[str]]


def contact_index(register: Sequence[Agreement]) -> ContactIndex:
    """Normalised contact email → the providers it is a contact for: built once per register version."""
    index: dict[str, set[str]] = {}
    for agreement in register:
        address = normalise_email(agreement.contact_email)
        if address:
            index.setdefault(address, set()).add(agreement.provider)
    return {address: frozenset(providers) for address, providers in index.items()}


def identify(
    email: str | None, register: Sequence[Agreement], staff: StaffRule, contacts: ContactIndex | None = None,
) -> Caller:
    """The caller's role: staff, a provider contact on some agreement, or unknown.

    `contacts` is `contact_index(register)`, when the caller keeps one: a dictionary lookup
    instead of a pass over every agreement.
    """
    address = normalise_email(email)
    if staff.covers(address):
        return Caller(address, Role.COMMISSIONER, register=register)
    index = contacts if contacts is not None else contact_index(register)
    providers = index.get(address, frozenset()) if address else frozenset()
    if providers:
        return Caller(address, Role.PROVIDER, providers, register=register)
    if staff.everyone:
        return Caller(address, Role.COMMISSIONER, register=register)
    return Caller(address, Role.UNKNOWN, register=register)


def visible_register(caller: Caller, register: Sequence[Agreement]) -> list[Agreement]:
    """The agreements this caller may see: all for staff, their own for a provider, none otherwise."""
    if caller.role is Role.COMMISSIONER:
        return list(register)
    if caller.role is Role.PROVIDER:
        own = {_provider_key(name) for name in caller.providers}
        return [agreement for agreement in register if _provider_key(agreement.provider) in own]
    return []
