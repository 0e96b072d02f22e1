"""Organisations under /api/v1/organisations/: read-only, authenticated; each account reads
the organisations it is an active member of (``partners.permissions.organisations_of``)
and nothing else, not even one it asked to join; each filter, both paginations, ETag;
queries pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.choices import MembershipRole
from partners.models import Membership, Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/api/v1/organisations/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["legal_name"] for row in response.json()["results"]]


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(alice, bob, charlie, olivia, oscar, ada, org_a, org_b, org_c):
    """A, B and C with their members; Alice also asked to join C (not yet accepted)."""
    Membership.objects.create(user=alice, organisation=org_c, is_active=False)
    return {"A": org_a, "B": org_b, "C": org_c}


# --- who reads what ----------------------------------------------------------------------

PERSONAS = {
    "alice": ["Organisation A"],
    "bob": ["Organisation B"],
    "charlie": ["Organisation C"],
    "olivia": [],
    "oscar": [],
    "ada": [],
    "anonymous": None,
}


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_its_organisations(request, world, persona, expected):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))

    listed = client.get(ORGANISATIONS)
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        for organisation in world.values():
            assert client.get(f"{ORGANISATIONS}{organisation.pk}/").status_code == 401
        return

    assert names(listed) == expected
    assert listed.json()["count"] == len(expected)
    for name, organisation in world.items():
        detail = client.get(f"{ORGANISATIONS}{organisation.pk}/")
        if f"Organisation {name}" in expected:
            assert detail.status_code == 200
            assert detail.json()["legal_name"] == f"Organisation {name}"
        else:
            assert detail.status_code == 404
            assert detail.json() == {
                "code": "not_found",
                "message": detail.json()["message"],
                "errors": {},
            }


def test_a_member_no_longer_active_reads_nothing(world, alice, org_a):
    Membership.objects.filter(user=alice, organisation=org_a).update(is_active=False)
    assert names(as_user(alice).get(ORGANISATIONS)) == []
    assert as_user(alice).get(f"{ORGANISATIONS}{org_a.pk}/").status_code == 404


def test_the_api_is_read_only(world, alice, org_a):
    assert as_user(alice).post(ORGANISATIONS, {"legal_name": "X"}).status_code == 405
    assert as_user(alice).patch(f"{ORGANISATIONS}{org_a.pk}/", {}).status_code == 405


# --- what an organisation says -----------------------------------------------------------


def test_an_organisation_reads_as_on_its_page(org_b, bob):
    org_b.acronym = "AB"
    org_b.vat_number = "BE0403170701"
    org_b.pic = "999999999"
    org_b.email = "contact@b.example.org"
    org_b.iban = "BE68539007547034"
    org_b.save()
    colleague = f.UserFactory()
    f.MembershipFactory(user=colleague, organisation=org_b, role=MembershipRole.EDITOR)
    f.MembershipFactory(user=f.UserFactory(), organisation=org_b, is_active=False)
    body = as_user(bob).get(f"{ORGANISATIONS}{org_b.pk}/").json()
    assert body["id"] == org_b.pk
    assert body["legal_name"] == "Organisation B" and body["acronym"] == "AB"
    assert body["legal_type"] == "asbl"
    assert body["legal_type_label"] == "ASBL / VZW (Belgique)"
    assert body["country"] == "BE" and body["country_label"] == "Belgique"
    assert body["address"] == {
        "street": "1 rue de la République",
        "postcode": "59000",
        "city": "Lille",
        "country": "BE",
        "nuts_code": "BE322",
    }
    assert body["email"] == "contact@b.example.org"
    assert body["identifiers"] == {
        "siret": "",
        "siren": "",
        "enterprise_number": org_b.enterprise_number,
        "vat_number": "BE0403170701",
        "pic": "999999999",
        "oid": "",
    }
    assert body["role"] == "legal_representative"
    # Bob and his colleague: the request still waiting is not a member.
    assert body["members_count"] == 2
    assert "iban" not in body and "BE68539007547034" not in str(body)
    assert body["created_at"] and body["updated_at"]


def test_the_role_is_the_accounts_in_each_organisation(org_a, org_b, alice):
    f.MembershipFactory(user=alice, organisation=org_b, role=MembershipRole.CONTACT)
    rows = as_user(alice).get(ORGANISATIONS, {"ordering": "legal_name"}).json()["results"]
    assert [(row["legal_name"], row["role"], row["members_count"]) for row in rows] == [
        ("Organisation A", "legal_representative", 1),
        ("Organisation B", "contact", 1),
    ]


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(org_a, alice):
    client = as_user(alice)
    url = f"{ORGANISATIONS}{org_a.pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Organisation.objects.filter(pk=org_a.pk).update(city="Tournai")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def member():
    """A member of several organisations of different countries, types and roles."""
    user = f.UserFactory()
    for name, country, legal_type, role in (
        ("Mission locale du Hainaut", "FR", "mission_locale", MembershipRole.EDITOR),
        ("Forem Mons", "BE", "public_employment_service", MembershipRole.CONTACT),
        ("Lycée Watteau", "FR", "education", MembershipRole.LEGAL_REPRESENTATIVE),
    ):
        organisation = f.OrganisationFactory(
            legal_name=name,
            country=country,
            legal_type=legal_type,
            nuts_code="",
            city="Mons" if country == "BE" else "Valenciennes",
        )
        f.MembershipFactory(user=user, organisation=organisation, role=role)
    return as_user(user)


def test_the_country_filter(member):
    assert names(member.get(ORGANISATIONS, {"country": "BE"})) == ["Forem Mons"]
    response = member.get(ORGANISATIONS, {"country": "XX"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["country"]


def test_the_legal_type_filter(member):
    assert names(member.get(ORGANISATIONS, {"legal_type": "education"})) == ["Lycée Watteau"]
    assert member.get(ORGANISATIONS, {"legal_type": "club"}).status_code == 400


def test_the_role_filter(member):
    assert names(member.get(ORGANISATIONS, {"role": "contact"})) == ["Forem Mons"]
    assert names(member.get(ORGANISATIONS, {"role": "editor"})) == ["Mission locale du Hainaut"]


def test_updated_since(member):
    Organisation.objects.filter(legal_name="Forem Mons").update(
        updated_at=timezone.now() - dt.timedelta(days=10)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert names(member.get(ORGANISATIONS, {"updated_since": since, "ordering": "legal_name"})) == [
        "Lycée Watteau",
        "Mission locale du Hainaut",
    ]
    assert member.get(ORGANISATIONS, {"updated_since": "hier"}).status_code == 400


def test_q_searches_name_city_and_identifiers(member, alice, org_a):
    assert names(member.get(ORGANISATIONS, {"q": "MISSION"})) == ["Mission locale du Hainaut"]
    assert names(member.get(ORGANISATIONS, {"q": "mons"})) == ["Forem Mons"]
    assert names(as_user(alice).get(ORGANISATIONS, {"q": org_a.siret[:9]})) == ["Organisation A"]


def test_the_search_never_reaches_beyond_the_accounts_organisations(member, org_a):
    assert names(member.get(ORGANISATIONS, {"q": "Organisation A"})) == []


def test_ordering_follows_the_whitelist(member):
    assert names(member.get(ORGANISATIONS, {"ordering": "-legal_name"})) == [
        "Mission locale du Hainaut",
        "Lycée Watteau",
        "Forem Mons",
    ]
    assert names(member.get(ORGANISATIONS, {"ordering": "country"}))[0] == "Forem Mons"
    response = member.get(ORGANISATIONS, {"ordering": "iban"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def many_organisations(user, rows: int) -> None:
    """``rows`` organisations ``user`` is a member of, each with a second member."""
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Structure {n:03d}", legal_type="association", country="FR")
        for n in range(rows)
    )
    colleague = f.UserFactory()
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=o) for o in organisations]
        + [Membership(user=colleague, organisation=o) for o in organisations]
    )


def test_pages_by_number_and_the_cursor_return_every_organisation_once():
    user = f.UserFactory()
    many_organisations(user, 7)
    client = as_user(user)
    for first in ({"page_size": 3}, {"cursor": "", "page_size": 3}):
        response = client.get(ORGANISATIONS, first).json()
        assert ("count" in response) is ("cursor" not in first)
        seen = []
        while True:
            seen += [row["legal_name"] for row in response["results"]]
            if not response["next"]:
                break
            response = client.get(response["next"]).json()
        assert sorted(seen) == [f"Structure {n:03d}" for n in range(7)]


def test_the_cursor_returns_every_organisation_once_with_equal_change_dates():
    user = f.UserFactory()
    many_organisations(user, 7)
    Organisation.objects.update(updated_at=timezone.now())
    client = as_user(user)
    response = client.get(ORGANISATIONS, {"cursor": "", "page_size": 2}).json()
    assert "count" not in response
    seen = []
    while True:
        seen += [row["legal_name"] for row in response["results"]]
        if not response["next"]:
            break
        response = client.get(response["next"]).json()
    assert len(seen) == 7 and len(set(seen)) == 7


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_organisations(django_assert_num_queries, rows):
    user = f.UserFactory()
    many_organisations(user, rows)
    client = as_user(user)
    # count; the organisations with the viewer's role and their count of members.
    with django_assert_num_queries(2):
        response = client.get(ORGANISATIONS, {"page_size": 100})
    assert len(response.json()["results"]) == rows
    assert {row["members_count"] for row in response.json()["results"]} == {2}
    with django_assert_num_queries(1):
        client.get(ORGANISATIONS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(org_a, alice, django_assert_num_queries):
    # The organisation with the viewer's role and its count of members.
    with django_assert_num_queries(1):
        response = as_user(alice).get(f"{ORGANISATIONS}{org_a.pk}/")
    assert response.status_code == 200


# --- schema ------------------------------------------------------------------------------


def test_the_schema_documents_the_organisations(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/organisations/"]["get"]
    names_ = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "country", "legal_type", "role",
        "updated_since",
    } <= names_  # fmt: skip
    assert {"400", "401", "403", "429"} <= set(listing["responses"])
    detail = schema["paths"]["/api/v1/organisations/{id}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
    assert "iban" not in str(schema["components"]["schemas"]["Organisation"])
