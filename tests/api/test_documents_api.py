"""Generated documents under /api/v1/documents/: authenticated; each account reads the
documents whose subject it may see (``reporting.documents.documents_visible_to``), with the
download link once done, and requests one as the pages' button does
(``reporting.documents.document_request``: 202, 404 for a subject it may not see, 409 when
the subject cannot have it yet); each filter, both paginations, ETag; queries pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from applications.choices import AssessmentStatus
from applications.models import Application, Assessment
from reporting.choices import DocumentKind as K
from reporting.choices import DocumentStatus
from reporting.models import GeneratedDocument
from tests import factories as f
from tests.api import test_projects_api

pytestmark = pytest.mark.django_db

# The projects of every persona (a fixture shared with the projects' tests).
projects_world = test_projects_api.projects_world

DOCUMENTS = "/api/v1/documents/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def document(kind, *, by=None, status=DocumentStatus.PENDING, **subject) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        kind=kind, status=status, requested_by=by or f.UserFactory(), **subject
    )


@pytest.fixture
def world(projects_world, call, other_authority, olivia, ada):
    """A's project's dossier and report (a draft), A's draft's dossier, C's project's dossier
    (assessed by Ada) and acknowledgement, the summary of Olivia's call and one of the other
    authority's programme."""
    projects = {a.reference: a for a in Application.objects.all()}
    Assessment.objects.filter(assessor=ada).update(status=AssessmentStatus.IN_PROGRESS)
    a_report = f.ProgressReportFactory(application=projects["A-PROJECT"], number=1)
    other_programme = f.ProgrammeFactory(managing_authority=other_authority)
    return {
        "A-DOSSIER": document(K.DOSSIER, application=projects["A-PROJECT"]),
        "A-REPORT": document(K.PROGRESS_REPORT, report=a_report, application=a_report.application),
        "A-DRAFT-DOSSIER": document(K.DOSSIER, application=projects["A-DRAFT"]),
        "C-DOSSIER": document(K.DOSSIER, application=projects["C-PROJECT"]),
        "C-ACK": document(K.ACKNOWLEDGEMENT, application=projects["C-PROJECT"]),
        "CALL-SUMMARY": document(K.CALL_SUMMARY, call=call),
        "OTHER-SUMMARY": document(K.PROGRAMME_SUMMARY, programme=other_programme),
    }


PERSONAS = {
    "alice": ["A-DOSSIER", "A-REPORT"],
    "bob": ["A-DOSSIER", "A-REPORT"],
    "charlie": ["C-DOSSIER", "C-ACK"],
    "olivia": ["A-DOSSIER", "C-DOSSIER", "C-ACK", "CALL-SUMMARY"],
    "oscar": ["OTHER-SUMMARY"],
    "ada": ["C-DOSSIER"],
    "anonymous": None,
}


@pytest.mark.parametrize(("persona", "expected"), PERSONAS.items())
def test_each_persona_reads_exactly_the_documents_of_subjects_it_sees(
    request, world, persona, expected
):
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(request.getfixturevalue(persona))
    name_of = {each.pk: name for name, each in world.items()}

    listed = client.get(DOCUMENTS)
    if expected is None:
        assert listed.status_code == 401
        assert listed.json()["code"] == "not_authenticated"
        for each in world.values():
            assert client.get(f"{DOCUMENTS}{each.pk}/").status_code == 401
        return

    assert sorted(name_of[pk] for pk in ids(listed)) == sorted(expected)
    assert listed.json()["count"] == len(expected)
    for name, each in world.items():
        detail = client.get(f"{DOCUMENTS}{each.pk}/")
        if name in expected:
            assert detail.status_code == 200
            assert detail.json()["id"] == each.pk
        else:
            assert detail.status_code == 404
            assert detail.json()["code"] == "not_found"
            assert set(detail.json()) == {"code", "message", "errors"}


# --- what a document says ----------------------------------------------------------------


def test_a_document_on_its_way_has_its_progress_and_no_link(world, alice):
    GeneratedDocument.objects.filter(pk=world["A-DOSSIER"].pk).update(
        status=DocumentStatus.RUNNING, progress=40, started_at=timezone.now()
    )
    body = as_user(alice).get(f"{DOCUMENTS}{world['A-DOSSIER'].pk}/").json()
    assert body["kind"] == "dossier" and body["kind_label"] == "Dossier tel que déposé"
    assert body["status"] == "running" and body["status_label"] == "En cours"
    assert body["progress"] == 40
    assert body["subject"] == {
        "application": "A-PROJECT",
        "report": None,
        "call": None,
        "programme": None,
    }
    assert body["failure_reason"] == "" and body["download_url"] is None
    assert body["requested_at"] and body["started_at"] and body["finished_at"] is None
    assert body["archive"] is False and body["language"] == "fr"


def test_a_failed_document_says_why(world, alice):
    GeneratedDocument.objects.filter(pk=world["A-REPORT"].pk).update(
        status=DocumentStatus.FAILED, error="Gabarit introuvable.", finished_at=timezone.now()
    )
    body = as_user(alice).get(f"{DOCUMENTS}{world['A-REPORT'].pk}/").json()
    assert body["status"] == "failed" and body["failure_reason"] == "Gabarit introuvable."
    assert body["download_url"] is None
    assert body["subject"]["report"] == world["A-REPORT"].report_id


def test_a_done_document_links_to_the_pages_download(world, alice, client):
    done = world["A-DOSSIER"]
    name = default_storage.save("documents/dossier/test.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    GeneratedDocument.objects.filter(pk=done.pk).update(
        status=DocumentStatus.DONE,
        progress=100,
        file=name,
        size=15,
        sha256="a" * 64,
        finished_at=timezone.now(),
    )
    body = as_user(alice).get(f"{DOCUMENTS}{done.pk}/").json()
    assert body["download_url"] == f"http://testserver/documents/{done.pk}/telecharger/"
    assert body["size"] == 15
    client.force_login(alice)
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_detail_has_an_etag_and_an_unchanged_one_is_a_304(world, alice):
    client = as_user(alice)
    url = f"{DOCUMENTS}{world['A-DOSSIER'].pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    GeneratedDocument.objects.filter(pk=world["A-DOSSIER"].pk).update(progress=10)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- requesting a document ---------------------------------------------------------------


def test_a_request_answers_202_with_the_row_and_is_not_made_twice(projects_world, alice):
    client = as_user(alice)
    response = client.post(DOCUMENTS, {"kind": "dossier", "reference": "A-PROJECT"})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["kind"] == "dossier"
    assert body["subject"]["application"] == "A-PROJECT"
    assert response["Location"] == f"/api/v1/documents/{body['id']}/"
    made = GeneratedDocument.objects.get(pk=body["id"])
    assert made.requested_by == alice
    assert made.snapshot_id == Application.objects.get(reference="A-PROJECT").current_snapshot_id
    again = client.post(DOCUMENTS, {"kind": "dossier", "reference": "A-PROJECT"}, format="json")
    assert again.status_code == 202 and again.json()["id"] == body["id"]
    archive = client.post(
        DOCUMENTS, {"kind": "dossier", "reference": "A-PROJECT", "archive": True}, format="json"
    )
    assert archive.json()["id"] != body["id"] and archive.json()["archive"] is True


def test_a_report_and_a_summary_are_requested_by_their_own_subject(
    projects_world, alice, olivia, call
):
    a_report = f.ProgressReportFactory(
        application=Application.objects.get(reference="A-PROJECT"), number=1
    )
    response = as_user(alice).post(DOCUMENTS, {"kind": "progress_report", "report": a_report.pk})
    assert response.status_code == 202
    assert response.json()["subject"]["report"] == a_report.pk
    response = as_user(olivia).post(DOCUMENTS, {"kind": "call_summary", "call": call.reference})
    assert response.status_code == 202
    assert response.json()["subject"]["call"] == call.reference


@pytest.mark.parametrize(
    ("persona", "payload"),
    [
        ("charlie", {"kind": "dossier", "reference": "A-PROJECT"}),
        ("alice", {"kind": "dossier", "reference": "A-DRAFT"}),
        ("alice", {"kind": "dossier", "reference": "NO-SUCH-DOSSIER"}),
        ("alice", {"kind": "call_summary", "call": "no-such-call"}),
        ("oscar", {"kind": "acknowledgement", "reference": "C-PROJECT"}),
        ("ada", {"kind": "acknowledgement", "reference": "C-PROJECT"}),
        ("alice", {"kind": "progress_report", "report": 999999}),
    ],
)
def test_a_subject_the_account_may_not_see_is_a_404(
    request, projects_world, call, persona, payload
):
    response = as_user(request.getfixturevalue(persona)).post(DOCUMENTS, payload)
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": response.json()["message"],
        "errors": {},
    }
    assert not GeneratedDocument.objects.exists()


def test_a_call_summary_is_refused_to_an_applicant_as_a_404(projects_world, alice, call):
    response = as_user(alice).post(DOCUMENTS, {"kind": "call_summary", "call": call.reference})
    assert response.status_code == 404


def test_a_subject_that_cannot_have_the_document_yet_is_a_409(projects_world, alice):
    response = as_user(alice).post(DOCUMENTS, {"kind": "decision_letter", "reference": "A-PROJECT"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "refused",
        "message": "Aucune décision n'est encore enregistrée pour ce dossier.",
        "errors": {},
    }
    assert not GeneratedDocument.objects.exists()


def test_an_invalid_request_is_a_400_naming_its_field(projects_world, alice):
    client = as_user(alice)
    missing = client.post(DOCUMENTS, {"kind": "dossier"})
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["reference"]
    wrong_kind = client.post(DOCUMENTS, {"kind": "export", "reference": "A-PROJECT"})
    assert wrong_kind.status_code == 400
    assert list(wrong_kind.json()["errors"]) == ["kind"]


def test_an_anonymous_request_is_a_401(projects_world, api):
    response = api.post(DOCUMENTS, {"kind": "dossier", "reference": "A-PROJECT"})
    assert response.status_code == 401
    assert not GeneratedDocument.objects.exists()


def test_a_document_is_never_changed_nor_deleted_through_the_api(world, alice):
    url = f"{DOCUMENTS}{world['A-DOSSIER'].pk}/"
    assert as_user(alice).patch(url, {"status": "done"}).status_code == 405
    assert as_user(alice).delete(url).status_code == 405


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def officer_client(olivia):
    return as_user(olivia)


def test_the_kind_and_status_filters(world, officer_client):
    GeneratedDocument.objects.filter(pk=world["C-ACK"].pk).update(
        status=DocumentStatus.DONE, file="documents/acknowledgement/x.pdf", sha256="a" * 64
    )
    assert ids(officer_client.get(DOCUMENTS, {"kind": "acknowledgement"})) == [world["C-ACK"].pk]
    assert ids(officer_client.get(DOCUMENTS, {"status": "done"})) == [world["C-ACK"].pk]
    assert officer_client.get(DOCUMENTS, {"kind": "memo"}).status_code == 400
    assert officer_client.get(DOCUMENTS, {"status": "lost"}).status_code == 400


def test_the_application_and_report_filters(world, alice):
    client = as_user(alice)
    assert sorted(ids(client.get(DOCUMENTS, {"application": "A-PROJECT"}))) == sorted(
        [world["A-DOSSIER"].pk, world["A-REPORT"].pk]
    )
    report_id = world["A-REPORT"].report_id
    assert ids(client.get(DOCUMENTS, {"report": report_id})) == [world["A-REPORT"].pk]


def test_the_call_and_programme_filters_reach_dossiers_and_summaries(world, officer_client, call):
    everything_of_the_call = sorted(
        world[name].pk for name in ("A-DOSSIER", "C-DOSSIER", "C-ACK", "CALL-SUMMARY")
    )
    assert sorted(ids(officer_client.get(DOCUMENTS, {"call": call.reference}))) == (
        everything_of_the_call
    )
    assert sorted(ids(officer_client.get(DOCUMENTS, {"programme": call.programme.code}))) == (
        everything_of_the_call
    )
    assert ids(officer_client.get(DOCUMENTS, {"call": "AAP-NONE"})) == []


def test_the_mine_filter(world, olivia, officer_client):
    GeneratedDocument.objects.filter(pk=world["CALL-SUMMARY"].pk).update(requested_by=olivia)
    assert ids(officer_client.get(DOCUMENTS, {"mine": "true"})) == [world["CALL-SUMMARY"].pk]
    assert len(ids(officer_client.get(DOCUMENTS, {"mine": "false"}))) == 3


def test_requested_after_and_before_are_days(world, officer_client):
    GeneratedDocument.objects.filter(pk=world["C-ACK"].pk).update(
        requested_at=dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    )
    assert ids(officer_client.get(DOCUMENTS, {"requested_before": "2026-01-10"})) == [
        world["C-ACK"].pk
    ]
    assert world["C-ACK"].pk not in ids(
        officer_client.get(DOCUMENTS, {"requested_after": "2026-01-11"})
    )
    assert officer_client.get(DOCUMENTS, {"requested_after": "hier"}).status_code == 400


def test_q_searches_the_subjects_references(world, officer_client, call):
    assert sorted(ids(officer_client.get(DOCUMENTS, {"q": "c-proj"}))) == sorted(
        [world["C-DOSSIER"].pk, world["C-ACK"].pk]
    )
    assert ids(officer_client.get(DOCUMENTS, {"q": "OTHER"})) == []


def test_ordering_follows_the_whitelist(world, officer_client):
    rows = officer_client.get(DOCUMENTS, {"ordering": "kind"}).json()["results"]
    assert [row["kind"] for row in rows] == sorted(row["kind"] for row in rows)
    response = officer_client.get(DOCUMENTS, {"ordering": "error"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["ordering"]


# --- pagination and queries --------------------------------------------------------------


def many_documents(call, rows: int) -> None:
    by = f.UserFactory()
    GeneratedDocument.objects.bulk_create(
        GeneratedDocument(kind=K.CALL_SUMMARY, call=call, requested_by=by) for _ in range(rows)
    )


def walk(client, first: dict) -> list[int]:
    response = client.get(DOCUMENTS, first).json()
    seen = []
    while True:
        seen += [row["id"] for row in response["results"]]
        if not response["next"]:
            return seen
        response = client.get(response["next"]).json()


def test_pages_by_number_and_the_cursor_return_every_document_once(officer_client, call):
    many_documents(call, 7)
    expected = sorted(GeneratedDocument.objects.values_list("pk", flat=True))
    assert officer_client.get(DOCUMENTS, {"page_size": 3}).json()["count"] == 7
    assert sorted(walk(officer_client, {"page_size": 3})) == expected
    assert "count" not in officer_client.get(DOCUMENTS, {"cursor": "", "page_size": 3}).json()
    assert walk(officer_client, {"cursor": "", "page_size": 3}) == expected


@pytest.mark.parametrize("rows", [2, 100])
def test_the_list_queries_do_not_grow_with_the_documents(
    officer_client, call, django_assert_num_queries, rows
):
    many_documents(call, rows)
    # count; the documents with their subject.
    with django_assert_num_queries(2):
        response = officer_client.get(DOCUMENTS, {"page_size": 100})
    assert len(response.json()["results"]) == rows
    with django_assert_num_queries(1):
        officer_client.get(DOCUMENTS, {"cursor": "", "page_size": 100})


def test_the_detail_queries_are_pinned(world, officer_client, django_assert_num_queries):
    # The document with its subject.
    with django_assert_num_queries(1):
        response = officer_client.get(f"{DOCUMENTS}{world['C-ACK'].pk}/")
    assert response.status_code == 200


def test_the_schema_documents_the_documents_and_their_request(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/documents/"]["get"]
    parameters = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "q", "ordering", "page", "page_size", "cursor", "kind", "status", "application",
        "report", "call", "programme", "mine", "requested_after", "requested_before",
    } <= parameters  # fmt: skip
    create = schema["paths"]["/api/v1/documents/"]["post"]
    assert {"202", "400", "401", "403", "404", "409", "429"} <= set(create["responses"])
    detail = schema["paths"]["/api/v1/documents/{id}/"]["get"]
    assert {"304", "401", "403", "404"} <= set(detail["responses"])
