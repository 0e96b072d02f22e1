"""The shared sections of a dossier in pages: identification, context, priorities; the
autosave protocol (versions, conflicts, htmx and plain posts) and who may edit them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications.models import SectionVersion
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, application):
    return reverse(f"applications:{name}", args=[application.reference])


def _identification(version, **changes):
    data = {
        "version": str(version),
        "acronym": "PASSERELLE",
        "title": "Passerelle vers l'emploi",
        "summary": "Accompagner vers l'emploi.",
        "start_date": "2027-01-01",
        "end_date": "2028-06-30",
    }
    data.update(changes)
    return data


def test_identification_page_shows_the_form_menu_and_checklist(client, alice, dossier):
    client.force_login(alice)
    response = client.get(_url("identification", dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="section-form"' in html
    assert 'id="checklist"' in html
    assert "Identification" in html
    assert 'name="version" id="id_version" value="0"' in html


def test_a_plain_post_saves_and_redirects(client, alice, dossier):
    client.force_login(alice)
    response = client.post(_url("identification", dossier), _identification(0, save="1"))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.acronym == "PASSERELLE"
    assert dossier.start_date == dt.date(2027, 1, 1)
    assert SectionVersion.objects.get(application=dossier, key="identification").version == 1


def test_an_htmx_autosave_answers_with_the_status_and_new_version(client, alice, dossier):
    client.force_login(alice)
    response = client.post(_url("identification", dossier), _identification(0), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enregistré à" in html
    assert 'id="id_version" value="1" hx-swap-oob="true"' in html
    assert 'id="checklist"' in html and 'hx-swap-oob="true"' in html


def test_a_second_editor_from_the_same_version_gets_a_conflict_and_nothing_is_lost(
    client, alice, dossier, org_a
):
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org_a)
    client.force_login(alice)
    client.post(_url("identification", dossier), _identification(0, acronym="ALICE", save="1"))
    client.force_login(colleague)
    response = client.post(
        _url("identification", dossier), _identification(0, acronym="CLAIRE", save="1")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Alice Martin" in html
    assert 'value="CLAIRE"' in html  # Claire's entry stays in her form
    dossier.refresh_from_db()
    assert dossier.acronym == "ALICE"


def test_bad_dates_are_refused_with_a_message_and_nothing_saved(client, alice, dossier):
    client.force_login(alice)
    before = dossier.title
    response = client.post(
        _url("identification", dossier),
        _identification(0, start_date="2028-01-01", end_date="2027-01-01", title="X", save="1"),
    )
    assert response.status_code == 422
    assert "postérieure" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.title == before
    assert not SectionVersion.objects.filter(application=dossier).exists()


def test_an_unrelated_member_gets_404(client, charlie, dossier):
    client.force_login(charlie)
    for name in ("overview", "identification", "context", "priorities"):
        assert client.get(_url(name, dossier)).status_code == 404
        assert client.post(_url(name, dossier), _identification(0)).status_code == 404


def test_a_partner_reads_shared_sections_but_cannot_edit_them(client, bob, dossier):
    client.force_login(bob)
    assert client.get(_url("identification", dossier)).status_code == 200
    response = client.post(_url("identification", dossier), _identification(0, save="1"))
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.acronym != "PASSERELLE"
