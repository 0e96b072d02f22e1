"""The permission matrix of the authorities' side, as one parametrised test: every officer
and assessor page (walked from the URL configuration, so a page added later is covered)
against each persona, with the expected answer. Nothing of another authority leaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.choices import ApplicationStatus as S
from applications.models import Assessment
from applications.services import application_submit
from applications.workflow import transition
from calls.choices import AuthorityRole
from review import urls as review_urls
from tests import factories as f

pytestmark = pytest.mark.django_db

OFFICER_PAGES = [
    p.name for p in review_urls.urlpatterns if p.name not in {"my_assessments", "assess", "declare"}
]
ASSESSOR_PAGES = ["assess", "declare"]
PERSONAS = ["anonymous", "alice", "bob", "charlie", "olivia", "oscar", "ada", "ulysse"]

# GET answers: 200 for the page's audience, 404 for everyone else (never 403, which would
# confirm the object exists), the login page for visitors.
EXPECTED = {
    **{(page, "olivia"): 200 for page in OFFICER_PAGES},
    # The assessor first declares no conflict of interest: the scores page sends there.
    ("assess", "ada"): 302,
    ("declare", "ada"): 200,
    ("my_assessments", "ada"): 200,
    ("my_assessments", "ulysse"): 200,
    # Oscar is an officer too, of another authority: his own queue (empty of Olivia's
    # dossiers, see below), his own export, and a bulk action with nothing of his selected.
    ("queue", "oscar"): 200,
    ("queue_export", "oscar"): 200,
    ("queue_export_xlsx", "oscar"): 200,
    ("bulk_assign", "oscar"): 302,
}
POST_ONLY = {"bulk_assign"}


@pytest.fixture
def world(request, dossier, alice, olivia, ada, authority):
    ulysse = f.UserFactory(email="ulysse@experts.example.org", first_name="Ulysse")
    f.AuthorityMemberFactory(user=ulysse, authority=authority, role=AuthorityRole.ASSESSOR)
    application_submit(application=dossier, actor=alice)
    for status in (S.ELIGIBILITY_REVIEW, S.ADMISSIBLE, S.UNDER_ASSESSMENT):
        transition(application=dossier, to_status=status, actor=olivia)
    assessment = Assessment.objects.create(application=dossier, assessor=ada, assigned_by=olivia)
    people = {name: request.getfixturevalue(name) for name in PERSONAS[1:-1]}
    people["ulysse"] = ulysse
    return {"dossier": dossier, "assessment": assessment, "people": people}


def _url(name, world) -> str:
    pattern = next(p for p in review_urls.urlpatterns if p.name == name)
    kwargs = {}
    for key in pattern.pattern.converters:
        if key == "reference":
            kwargs[key] = (
                world["dossier"].call.reference if name == "ranking" else world["dossier"].reference
            )
        elif key == "number":
            kwargs[key] = 1
        elif key == "pk":
            kwargs[key] = world["assessment"].pk
    return reverse(f"review:{name}", kwargs=kwargs)


def test_the_matrix_covers_every_page_of_the_review_side():
    assert set(OFFICER_PAGES) | {"my_assessments", *ASSESSOR_PAGES} == {
        p.name for p in review_urls.urlpatterns
    }


@pytest.mark.parametrize("page", [p.name for p in review_urls.urlpatterns])
def test_each_persona_gets_the_expected_answer(client, world, page):
    url = _url(page, world)
    answers = {}
    for persona in PERSONAS:
        client.logout()
        if persona != "anonymous":
            client.force_login(world["people"][persona])
        response = client.post(url) if page in POST_ONLY else client.get(url)
        answers[persona] = response.status_code
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("login")), url
    expected = {
        persona: 302 if persona == "anonymous" else EXPECTED.get((page, persona), 404)
        for persona in PERSONAS
    }
    if page in POST_ONLY:
        # A bulk action answers by going back to the queue with its message.
        expected["olivia"] = 302
    assert answers == expected, url
    # Posting (an action) answers 404 to those the page does not exist for, and writes nothing.
    for persona in PERSONAS[1:]:
        if expected[persona] != 404:
            continue
        client.logout()
        client.force_login(world["people"][persona])
        response = client.post(url, {"status_seen": "under_assessment", "outcome": "selected"})
        # The lists name no object: refusing the method first reveals nothing.
        allowed = {404, 405} if page in ("queue", "my_assessments") else {404}
        assert response.status_code in allowed, (url, persona, "POST", response.status_code)
    world["dossier"].refresh_from_db()
    assert world["dossier"].status == S.UNDER_ASSESSMENT


def test_another_authority_sees_not_even_the_counts(client, world):
    client.force_login(world["people"]["oscar"])
    reference = world["dossier"].reference
    # Oscar is an officer too, of another authority: his queue is empty of Olivia's.
    html = client.get(reverse("review:queue")).content.decode()
    assert reference not in html
    assert world["dossier"].acronym not in html
    response = client.get(reverse("review:queue_export"))
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    assert reference not in csv
