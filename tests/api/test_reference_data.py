"""Funds, programmes (with axes, measures, priorities) and authorities under /api/v1/:
read by anyone, filtered, searched, ordered, paginated, with ETag/304 and pinned queries."""

from __future__ import annotations

import pytest

from calls.choices import AuthorityKind, PriorityKind
from tests import factories as f

pytestmark = pytest.mark.django_db

FUNDS = "/api/v1/funds/"
PROGRAMMES = "/api/v1/programmes/"
AUTHORITIES = "/api/v1/authorities/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def full_programme(**fields):
    """A programme with two axes, a measure each (with a target group), a priority and a
    target group."""
    programme = f.ProgrammeFactory(**fields)
    group = f.TargetGroupFactory(programme=programme)
    for position in (1, 2):
        axis = f.AxisFactory(programme=programme, position=position)
        f.MeasureFactory(axis=axis).target_groups.add(group)
    f.PriorityFactory(programme=programme, kind=PriorityKind.SECTORAL, sector="Jeunesse")
    return programme


# --- funds ---------------------------------------------------------------------------------


def test_anyone_reads_the_funds(api):
    f.FundFactory(code="fse-plus", name="Fonds social européen plus", short_name="FSE+")
    body = api.get(f"{FUNDS}fse-plus/").json()
    assert body == {
        "code": "fse-plus",
        "name": "Fonds social européen plus",
        "short_name": "FSE+",
        "description": "",
        "website": "",
    }


def test_funds_are_searched_and_ordered(api):
    f.FundFactory(code="erasmus", name="Erasmus+", short_name="E+")
    f.FundFactory(code="feder", name="Fonds européen de développement régional", short_name="FEDER")
    assert codes(api.get(FUNDS, {"q": "ERASMUS"})) == ["erasmus"]
    assert codes(api.get(FUNDS, {"ordering": "-code"})) == ["feder", "erasmus"]


@pytest.mark.parametrize("rows", [2, 100])
def test_the_funds_list_takes_two_queries(api, django_assert_num_queries, rows):
    for _ in range(rows):
        f.FundFactory()
    with django_assert_num_queries(2):  # count; funds
        assert len(api.get(FUNDS, {"page_size": 100}).json()["results"]) == rows


# --- programmes ----------------------------------------------------------------------------


def test_a_programme_comes_with_its_axes_measures_priorities_and_target_groups(api):
    programme = full_programme(code="fse-plus-hdf")
    body = api.get(f"{PROGRAMMES}fse-plus-hdf/").json()
    assert body["fund"] == programme.fund.code
    assert body["managing_authority"] == programme.managing_authority.code
    assert [axis["code"] for axis in body["axes"]] == [
        axis.code for axis in programme.axes.order_by("position")
    ]
    measure = body["axes"][0]["measures"][0]
    assert measure["operation_types"] == ["Accompagnement renforcé", "Ingénierie de parcours"]
    assert measure["eligible_legal_types"] == ["association", "local_authority"]
    assert measure["target_groups"] == [programme.target_groups.get().code]
    assert body["priorities"][0]["kind"] == "sectoral"
    assert body["priorities"][0]["sector"] == "Jeunesse"
    assert body["target_groups"][0]["code"] == programme.target_groups.get().code


def test_programmes_are_filtered_by_fund(api):
    wanted = f.ProgrammeFactory()
    f.ProgrammeFactory()
    assert codes(api.get(PROGRAMMES, {"fund": wanted.fund.code})) == [wanted.code]


def test_programmes_are_filtered_by_managing_authority(api):
    wanted = f.ProgrammeFactory()
    f.ProgrammeFactory()
    authority = wanted.managing_authority.code
    assert codes(api.get(PROGRAMMES, {"authority": authority})) == [wanted.code]


def test_programmes_are_searched_and_ordered(api):
    f.ProgrammeFactory(code="interreg-fwvl", name="Interreg France-Wallonie-Vlaanderen")
    f.ProgrammeFactory(code="fse-hdf", name="FSE+ Hauts-de-France", period_start_year=2014)
    assert codes(api.get(PROGRAMMES, {"q": "wallonie"})) == ["interreg-fwvl"]
    assert codes(api.get(PROGRAMMES, {"ordering": "period_start_year"})) == [
        "fse-hdf",
        "interreg-fwvl",
    ]


@pytest.mark.parametrize("rows", [2, 100])
def test_the_programmes_list_queries_do_not_grow(api, django_assert_num_queries, rows):
    for _ in range(rows):
        full_programme()
    # count; programmes with fund and authority; axes; measures; the measures' target
    # groups; priorities; the programmes' target groups.
    with django_assert_num_queries(7):
        assert len(api.get(PROGRAMMES, {"page_size": 100}).json()["results"]) == rows


def test_a_programme_has_an_etag(api):
    programme = full_programme()
    etag = api.get(f"{PROGRAMMES}{programme.code}/")["ETag"]
    assert api.get(f"{PROGRAMMES}{programme.code}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- authorities ---------------------------------------------------------------------------


def test_anyone_reads_an_authority_with_its_kind_in_words(api):
    f.AuthorityFactory(
        code="vm", name="Valenciennes Métropole", kind=AuthorityKind.INTERMEDIATE_BODY
    )
    body = api.get(f"{AUTHORITIES}vm/").json()
    assert body["kind"] == "intermediate_body"
    assert body["kind_label"] == "Organisme intermédiaire (subvention globale)"
    assert body["country"] == "FR"


def test_authorities_are_filtered_by_kind(api):
    f.AuthorityFactory(code="agency", kind=AuthorityKind.NATIONAL_AGENCY)
    f.AuthorityFactory(code="ma")
    assert codes(api.get(AUTHORITIES, {"kind": "national_agency"})) == ["agency"]


def test_authorities_are_filtered_by_country(api):
    f.AuthorityFactory(code="wallonie", country="BE")
    f.AuthorityFactory(code="lille")
    assert codes(api.get(AUTHORITIES, {"country": "BE"})) == ["wallonie"]


def test_authorities_are_filtered_by_the_fund_of_their_programmes(api):
    programme = f.ProgrammeFactory()
    f.AuthorityFactory()
    assert codes(api.get(AUTHORITIES, {"fund": programme.fund.code})) == [
        programme.managing_authority.code
    ]


def test_authorities_are_searched_and_ordered(api):
    f.AuthorityFactory(code="b", name="Agence Erasmus+ France")
    f.AuthorityFactory(code="a", name="Région Hauts-de-France")
    assert codes(api.get(AUTHORITIES, {"q": "erasmus"})) == ["b"]
    assert codes(api.get(AUTHORITIES, {"ordering": "code"})) == ["a", "b"]
    assert codes(api.get(AUTHORITIES, {"ordering": "name"})) == ["b", "a"]


def test_authorities_page_by_cursor_returns_each_once(api):
    made = {f.AuthorityFactory().code for _ in range(5)}
    seen = []
    response = api.get(AUTHORITIES, {"cursor": "", "page_size": 2}).json()
    while True:
        seen += [row["code"] for row in response["results"]]
        if not response["next"]:
            break
        response = api.get(response["next"]).json()
    assert len(seen) == 5 and set(seen) == made


@pytest.mark.parametrize("rows", [2, 100])
def test_the_authorities_list_takes_two_queries(api, django_assert_num_queries, rows):
    for _ in range(rows):
        f.AuthorityFactory()
    with django_assert_num_queries(2):  # count; authorities
        assert len(api.get(AUTHORITIES, {"page_size": 100}).json()["results"]) == rows
