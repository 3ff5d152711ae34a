"""Roles decide what a caller sees: staff everything, a provider only its own agreements,
anyone else nothing."""

from __future__ import annotations

from bot.roles import Role, StaffRule, identify, visible_register
from domain.agreement import Agreement

REGISTER = (
    Agreement("OPCC-1", "grant", "ISVA service", "Safe Harbour", contact_email="Returns@SafeHarbour.org.uk"),
    Agreement("OPCC-2", "contract", "Outreach", "Safe Harbour", contact_email="finance@safeharbour.org.uk"),
    Agreement("OPCC-3", "grant", "Youth diversion", "Northside Youth Trust", contact_email="data@northside.org.uk"),
    Agreement("OPCC-4", "grant", "Borough fund", "Borough Partnership", contact_email=""),
)
STAFF = StaffRule.from_lists(["ann@mopac.example"], ["opcc.example"], local=False)


def test_staff_by_email_or_domain_see_everything() -> None:
    """Listed emails and domains are commissioners and see the whole register."""
    for email in ("ann@mopac.example", "Ann@MOPAC.example ", "someone@opcc.example"):
        caller = identify(email, REGISTER, STAFF)
        assert caller.role is Role.COMMISSIONER
        assert visible_register(caller, REGISTER) == list(REGISTER)


def test_a_provider_contact_sees_its_organisations_agreements_only() -> None:
    """A contact on one Safe Harbour agreement sees both of Safe Harbour's, nobody else's."""
    caller = identify("returns@safeharbour.org.uk", REGISTER, STAFF)
    assert caller.role is Role.PROVIDER
    assert [a.reference for a in visible_register(caller, REGISTER)] == ["OPCC-1", "OPCC-2"]


def test_a_domain_lookalike_is_not_staff() -> None:
    """`evil-opcc.example` and `opcc.example.evil` are not the staff domain."""
    for email in ("x@evil-opcc.example", "x@opcc.example.evil", "opcc.example", ""):
        assert identify(email, REGISTER, STAFF).role is Role.UNKNOWN


def test_unknown_people_see_nothing() -> None:
    """Someone neither staff nor a contact has no view of the register."""
    caller = identify("someone@elsewhere.example", REGISTER, STAFF)
    assert caller.role is Role.UNKNOWN and not caller.may_ask
    assert visible_register(caller, REGISTER) == []


def test_an_empty_contact_email_matches_nobody() -> None:
    """Agreements with no contact do not make callers with no email a provider."""
    assert identify("", REGISTER, StaffRule()).role is Role.UNKNOWN


def test_local_mode_without_a_staff_list_treats_everyone_else_as_staff() -> None:
    """The playground's mocked user can try the bot; provider contacts still see only their own."""
    local = StaffRule.from_lists([], [], local=True)
    assert identify("alexw@example.com", REGISTER, local).role is Role.COMMISSIONER
    assert identify("data@northside.org.uk", REGISTER, local).role is Role.PROVIDER
    strict = StaffRule.from_lists(["ann@mopac.example"], [], local=True)
    assert identify("alexw@example.com", REGISTER, strict).role is Role.UNKNOWN
