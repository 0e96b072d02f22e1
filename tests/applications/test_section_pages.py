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


def _context(version, **changes):
    data = {"version": str(version), "context": "Le territoire.", "objectives": "Des emplois."}
    data.update(changes)
    return data


def test_typing_in_free_texts_answers_with_the_status_alone(
    client, alice, dossier, django_assert_num_queries
):
    """Context and objectives are read by no eligibility rule, and by the menu only for
    being filled: while someone types in them, an autosave neither reads nor sends the
    checklist and the menu again."""
    client.force_login(alice)
    first = client.post(_url("context", dossier), _context(0), **HTMX).content.decode()
    # Filled for the first time: the menu's mark changes, the layout comes along.
    assert 'id="dossier-menu"' in first and 'id="checklist"' in first
    assert "dossier-menu__item--complete" in first
    client.get(_url("context", dossier))  # the session and the call's facts are warm
    # session, user, dossier, partners; savepoint, the locked dossier's state, the
    # section's version (compare-and-set), the columns, updated_at, release.
    with django_assert_num_queries(10):
        response = client.post(
            _url("context", dossier), _context(1, context="Le territoire, ses besoins."), **HTMX
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enregistré à" in html
    assert 'id="id_version" value="2" hx-swap-oob="true"' in html
    assert 'id="dossier-menu"' not in html and 'id="checklist"' not in html
    dossier.refresh_from_db()
    assert dossier.context == "Le territoire, ses besoins."


def test_emptying_a_free_text_sends_the_menu_again_with_its_mark(client, alice, dossier):
    client.force_login(alice)
    client.post(_url("context", dossier), _context(0), **HTMX)
    html = client.post(_url("context", dossier), _context(1, objectives=""), **HTMX).content
    html = html.decode()
    assert 'id="dossier-menu"' in html and 'hx-swap-oob="true"' in html
    assert 'id="checklist"' in html
    menu = html[html.index('id="dossier-menu"') :]
    context_item = menu[: menu.index(_url("context", dossier))].rsplit("<li", 1)[1]
    assert "dossier-menu__item--complete" not in context_item


def test_a_section_that_rules_read_always_sends_the_checklist_again(client, alice, dossier):
    """The dates are read by the duration rule: each autosave of them refreshes it."""
    client.force_login(alice)
    client.post(_url("identification", dossier), _identification(0), **HTMX)
    html = client.post(
        _url("identification", dossier), _identification(1, end_date="2028-07-31"), **HTMX
    ).content.decode()
    assert 'id="checklist"' in html and 'id="dossier-menu"' in html


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


def test_an_htmx_conflict_swaps_the_form_with_the_message_and_no_autosave(
    client, alice, dossier, org_a
):
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org_a)
    client.force_login(colleague)
    client.post(_url("context", dossier), {"version": "0", "context": "Claire", "objectives": "x"})
    client.force_login(alice)
    response = client.post(
        _url("context", dossier),
        {"version": "0", "context": "Alice", "objectives": "y"},
        **HTMX,
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#section-form"
    html = response.content.decode()
    assert "Claire Dupont" in html
    assert "Alice</textarea>" in html
    # The form shown after a conflict saves only when asked, with the current version.
    assert "data-autosave" not in html
    assert 'id="id_version" value="1"' in html
    dossier.refresh_from_db()
    assert dossier.context == "Claire"
    # Asked explicitly, Alice's entries replace Claire's.
    client.post(_url("context", dossier), {"version": "1", "context": "Alice", "objectives": "y"})
    dossier.refresh_from_db()
    assert dossier.context == "Alice"


def test_a_half_typed_autosave_says_what_is_not_saved_and_leaves_the_form(client, alice, dossier):
    client.force_login(alice)
    response = client.post(_url("identification", dossier), _identification(0, title=""), **HTMX)
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    html = response.content.decode()
    assert "Modifications non enregistrées" in html
    assert "Intitulé" in html
    assert not SectionVersion.objects.filter(application=dossier).exists()


def test_save_and_continue_goes_to_the_next_section(client, alice, dossier):
    client.force_login(alice)
    response = client.post(_url("identification", dossier), _identification(0, save_and_next="1"))
    assert response["Location"] == _url("context", dossier)
    response = client.post(
        _url("identification", dossier), _identification(1, save_and_next="1"), **HTMX
    )
    assert response["HX-Redirect"] == _url("context", dossier)


def test_two_sections_saved_from_stale_pages_do_not_overwrite_each_other(client, alice, dossier):
    """Each section writes only its own columns."""
    client.force_login(alice)
    client.post(_url("context", dossier), {"version": "0", "context": "C", "objectives": "O"})
    client.post(_url("identification", dossier), _identification(0))
    dossier.refresh_from_db()
    assert (dossier.context, dossier.objectives, dossier.acronym) == ("C", "O", "PASSERELLE")


def test_priorities_and_target_groups_are_chosen_among_the_calls_lists(
    client, alice, dossier, call
):
    offered = f.PriorityFactory(programme=call.programme, name="Inclusion")
    other = f.PriorityFactory(programme=call.programme, name="Numérique")
    group = f.TargetGroupFactory(programme=call.programme, name="Jeunes NEET")
    call.priorities.add(offered)
    call.target_groups.add(group)
    client.force_login(alice)
    html = client.get(_url("priorities", dossier)).content.decode()
    assert "Inclusion" in html and "Jeunes NEET" in html and "Numérique" not in html
    response = client.post(
        _url("priorities", dossier),
        {"version": "0", "priorities": [offered.pk], "target_groups": [group.pk]},
    )
    assert response.status_code == 302
    assert list(dossier.priorities.all()) == [offered]
    response = client.post(
        _url("priorities", dossier), {"version": "1", "priorities": [other.pk], "save": "1"}
    )
    assert response.status_code == 422
    assert list(dossier.priorities.all()) == [offered]


def test_nobody_edits_a_submitted_dossier(client, alice, dossier):
    from applications.models import Application

    Application.objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(alice)
    response = client.get(_url("identification", dossier))
    assert "il se lit, il ne se modifie plus" in response.content.decode()
    assert "data-autosave" not in response.content.decode()
    response = client.post(_url("identification", dossier), _identification(0, save="1"))
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.acronym != "PASSERELLE"


def test_an_expired_session_autosave_is_told_and_nothing_saved(client, dossier):
    response = client.post(_url("identification", dossier), _identification(0), **HTMX)
    assert response.status_code == 401
    assert response["HX-Trigger"] == "session-expired"
    assert not SectionVersion.objects.exists()


def test_the_keep_alive_extends_the_session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("session_keepalive"), **HTMX)
    assert response.status_code == 204
    response = client.post(reverse("session_keepalive"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("home")
    client.logout()
    assert client.post(reverse("session_keepalive")).status_code == 401


def test_pages_carry_the_session_length_for_the_expiry_warning(client, alice, dossier, settings):
    client.force_login(alice)
    html = client.get(_url("identification", dossier)).content.decode()
    seconds = settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_SECONDS
    assert f'data-session-seconds="{seconds}"' in html
    assert 'id="session-warning"' in html


def _with_partners(dossier, count):
    from partners.choices import PartnerRole

    for number in range(3, count + 1):
        f.PartnerFactory(
            application=dossier,
            organisation=f.OrganisationFactory(
                legal_name=f"Partenaire {number}",
                country="DE",
                nuts_code="",
                legal_type="association",
            ),
            role=PartnerRole.PARTNER,
            number=number,
        )


EXPECTED_QUERIES = {"overview": 13, "identification": 13, "context": 12, "priorities": 16}


@pytest.mark.parametrize("name", ["overview", "identification", "context", "priorities"])
def test_query_counts_are_the_same_for_2_and_20_partners(
    client, alice, dossier, django_assert_max_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    client.get(_url(name, dossier))  # warm the call facts cache and the session
    with CaptureQueriesContext(connection) as two:
        assert client.get(_url(name, dossier)).status_code == 200
    _with_partners(dossier, 20)
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(_url(name, dossier)).status_code == 200
    assert len(two) == len(twenty), [q["sql"] for q in twenty.captured_queries]
    # session, user, dossier, partners, measures, 4 eligibility facts, the section counts, the
    # required document types and the attachments joined,
    # (the priorities and target groups lists on their page), the section's version. The
    # session is not written again: once a minute (portal.accounts.middleware).
    assert len(two) == EXPECTED_QUERIES[name]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Save", "Context and objectives", "Eligibility", "Financing plan"]),
        ("nl", ["Opslaan", "Financieringsplan"]),
    ],
)
def test_the_dossier_pages_speak_english_and_dutch(client, alice, dossier, language, expected):
    from django.utils import translation

    client.force_login(alice)
    with translation.override(language):
        url = _url("identification", dossier)
    html = client.get(url).content.decode()
    assert f'<html lang="{language}">' in html
    for text in expected:
        assert text in html, text
    assert "Enregistrer" not in html
