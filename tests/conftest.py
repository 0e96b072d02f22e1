"""Shared fixtures: personas and the rule that CI never skips for want of a service.

Personas (as in CONVENTIONS.md): Alice is an applicant of organisation A (lead of the
dossier), Bob a member of partner organisation B, Charlie an applicant of unrelated
organisation C who must see nothing of A's dossier, Olivia an officer of the authority that
runs the call, Oscar an officer of another authority, Ada an assessor of Olivia's authority.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.utils import translation

from calls.choices import AuthorityRole
from calls.eligibility.facts import clear_call_cache
from partners.choices import PartnerRole

from . import factories as f

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(session, config, items):
    """The tests that restart PostgreSQL or Redis run last, so that no other test meets the
    outage (or a connection it broke)."""
    items.sort(key=lambda item: item.get_closest_marker("disrupts_services") is not None)


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's laptop when a service is missing; fail in CI, where every
    service must be there."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _french_first():
    """Every test starts in French, the portal's first language, whatever language an
    earlier test's request activated in this thread (LocaleMiddleware leaves it active)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _no_cached_call_facts():
    """Each test starts with the eligibility engine's cache of call facts empty."""
    clear_call_cache()
    yield
    clear_call_cache()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def authority(db):
    return f.AuthorityFactory(code="authority-main", name="Valenciennes Métropole")


@pytest.fixture
def other_authority(db):
    return f.AuthorityFactory(code="authority-other", name="Agence nationale Erasmus+")


@pytest.fixture
def call(authority):
    programme = f.ProgrammeFactory(managing_authority=authority)
    return f.CallFactory(programme=programme, authority=authority)


@pytest.fixture
def org_a(db):
    return f.OrganisationFactory(legal_name="Organisation A", siret=f.VALID_SIRETS[0])


@pytest.fixture
def org_b(db):
    return f.OrganisationFactory(
        legal_name="Organisation B",
        country="BE",
        nuts_code="BE322",
        legal_type="asbl",
        enterprise_number=f.VALID_BE_NUMBERS[0],
    )


@pytest.fixture
def org_c(db):
    return f.OrganisationFactory(legal_name="Organisation C", siret=f.VALID_SIRETS[1])


@pytest.fixture
def alice(org_a):
    user = f.UserFactory(email="alice@a.example.org", first_name="Alice", last_name="Martin")
    f.MembershipFactory(user=user, organisation=org_a)
    return user


@pytest.fixture
def bob(org_b):
    user = f.UserFactory(email="bob@b.example.org", first_name="Bob", last_name="Peeters")
    f.MembershipFactory(user=user, organisation=org_b)
    return user


@pytest.fixture
def charlie(org_c):
    user = f.UserFactory(email="charlie@c.example.org", first_name="Charlie", last_name="Durand")
    f.MembershipFactory(user=user, organisation=org_c)
    return user


@pytest.fixture
def olivia(authority):
    user = f.UserFactory(email="olivia@authority.example.org", first_name="Olivia")
    f.AuthorityMemberFactory(user=user, authority=authority, role=AuthorityRole.OFFICER)
    return user


@pytest.fixture
def oscar(other_authority):
    user = f.UserFactory(email="oscar@other.example.org", first_name="Oscar")
    f.AuthorityMemberFactory(user=user, authority=other_authority, role=AuthorityRole.OFFICER)
    return user


@pytest.fixture
def ada(authority):
    user = f.UserFactory(email="ada@experts.example.org", first_name="Ada")
    f.AuthorityMemberFactory(user=user, authority=authority, role=AuthorityRole.ASSESSOR)
    return user


@pytest.fixture
def dossier(call, org_a, org_b, alice):
    """Alice's organisation A leads a dossier on the call, with B as partner."""
    application = f.lead_application(call=call, organisation=org_a, created_by=alice)
    f.PartnerFactory(
        application=application, organisation=org_b, role=PartnerRole.PARTNER, number=2
    )
    return application
