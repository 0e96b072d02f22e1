"""Work packages (with their activities and deliverables) and indicators in pages: lists
edited as formsets with autosave, checked (months, numbers, partners), shared sections
edited by the lead's members, a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.models import Activity, Deliverable, Indicator, SectionVersion, WorkPackage
from partners.choices import PartnerRole
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, application, *args):
    return reverse(f"applications:{name}", args=[application.reference, *args])


def _formset(prefix, rows, *, initial=0, version=0, **extra):
    """The POST of a formset page: the version, the management form and the rows."""
    data = {
        "version": str(version),
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    data.update(extra)
    return data


def _wp_row(partner, **changes):
    row = {
        "number": "1",
        "title": "Coordination",
        "description": "Pilotage du projet.",
        "lead_partner": str(partner.pk),
        "start_month": "1",
        "end_month": "24",
    }
    row.update(changes)
    return row


def _partners(dossier):
    return list(dossier.partners.order_by("number"))


def _grow(dossier, n_partners: int, n_lines: int) -> None:
    """Bring ``dossier`` to ``n_partners`` partners and ``n_lines`` work packages (each with
    as many activities and deliverables) and indicators."""
    existing = dossier.partners.count()
    for number in range(existing + 1, n_partners + 1):
        f.PartnerFactory(application=dossier, role=PartnerRole.PARTNER, number=number)
    partners = _partners(dossier)
    for number in range(1, n_lines + 1):
        f.WorkPackageFactory(
            application=dossier, number=number, lead_partner=partners[number % len(partners)]
        )
        f.IndicatorFactory(application=dossier, code=f"IND-{number}")
    first = WorkPackage.objects.get(application=dossier, number=1)
    for position in range(n_lines):
        Activity.objects.create(work_package=first, title=f"Activité {position}", end_month=3)
        Deliverable.objects.create(work_package=first, title=f"Livrable {position}", due_month=3)


# --- work packages ----------------------------------------------------------------------


def test_the_work_packages_page_lists_the_dossiers_partners_as_choices(client, alice, dossier):
    client.force_login(alice)
    response = client.get(_url("work_packages", dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="section-form"' in html
    assert "1. Organisation A" in html and "2. Organisation B" in html
    assert "du mois 1 au mois 24" in html
    assert '<label class="visually-hidden" for="id_wp-0-title">Intitulé, ligne 1</label>' in html


def test_a_plain_post_saves_the_work_packages_and_redirects(client, alice, dossier):
    lead, partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset(
            "wp",
            [_wp_row(lead), _wp_row(partner, number="2", title="Formation", end_month="12")],
            save="1",
        ),
    )
    assert response.status_code == 302
    rows = list(WorkPackage.objects.filter(application=dossier).order_by("number"))
    assert [(wp.number, wp.title, wp.lead_partner_id) for wp in rows] == [
        (1, "Coordination", lead.pk),
        (2, "Formation", partner.pk),
    ]
    assert SectionVersion.objects.get(application=dossier, key="work_packages").version == 1
    page = client.get(_url("work_packages", dossier)).content.decode()
    assert _url("work_package", dossier, 2) in page
    assert "Activités et livrables du module 2" in page


def test_an_htmx_save_that_adds_a_row_sends_back_the_whole_form_with_a_new_blank_row(
    client, alice, dossier
):
    lead, _partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(_url("work_packages", dossier), _formset("wp", [_wp_row(lead)]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert response["HX-Retarget"] == "#section-form"
    assert 'name="wp-1-title"' in html  # the blank row to fill next
    assert 'id="id_version" value="1"' in html
    assert 'id="checklist"' in html


def test_an_htmx_autosave_of_a_changed_row_answers_with_the_status(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead, end_month=12)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset("wp", [{"id": str(wp.pk), **_wp_row(lead, title="Pilotage")}], initial=1),
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enregistré à" in html
    assert 'hx-swap-oob="true"' in html
    wp.refresh_from_db()
    assert wp.title == "Pilotage"


def test_a_work_package_ending_before_it_starts_is_refused(client, alice, dossier):
    lead, _partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset("wp", [_wp_row(lead, start_month="6", end_month="3")], save="1"),
    )
    assert response.status_code == 422
    assert (
        "Le mois de fin doit être postérieur ou égal au mois de début." in response.content.decode()
    )
    assert not WorkPackage.objects.filter(application=dossier).exists()
    assert not SectionVersion.objects.filter(application=dossier).exists()


def test_months_beyond_the_projects_duration_are_refused(client, alice, dossier):
    lead, _partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset("wp", [_wp_row(lead, end_month="30")], save="1"),
    )
    assert response.status_code == 422
    assert "Le projet dure 24 mois" in response.content.decode()
    assert not WorkPackage.objects.filter(application=dossier).exists()


def test_months_are_not_bounded_while_the_projects_dates_are_unknown(client, alice, dossier):
    type(dossier).objects.filter(pk=dossier.pk).update(start_date=None, end_date=None)
    lead, _partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(lead, end_month="30")], save="1")
    )
    assert response.status_code == 302
    assert WorkPackage.objects.get(application=dossier).end_month == 30


def test_a_number_used_twice_is_refused(client, alice, dossier):
    lead, partner = _partners(dossier)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset("wp", [_wp_row(lead), _wp_row(partner, title="Autre")], save="1"),
    )
    assert response.status_code == 422
    assert "Le numéro 1 est déjà utilisé par un autre module." in response.content.decode()
    assert not WorkPackage.objects.filter(application=dossier).exists()


def test_a_lead_partner_from_another_dossier_is_refused(client, alice, dossier, org_c):
    other = f.lead_application(call=dossier.call, organisation=org_c)
    stranger = other.partners.get()
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(stranger)], save="1")
    )
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not WorkPackage.objects.filter(application=dossier).exists()


def test_a_deleted_row_is_removed(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    client.force_login(alice)
    response = client.post(
        _url("work_packages", dossier),
        _formset(
            "wp",
            [{"id": str(wp.pk), **_wp_row(lead, end_month="12"), "DELETE": "on"}],
            initial=1,
            save="1",
        ),
    )
    assert response.status_code == 302
    assert not WorkPackage.objects.filter(pk=wp.pk).exists()


def test_two_saves_from_the_same_version_conflict_and_the_first_is_kept(
    client, alice, dossier, org_a
):
    lead, _partner = _partners(dossier)
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org_a)
    client.force_login(alice)
    first = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(lead, title="Alice")], save="1")
    )
    assert first.status_code == 302
    client.force_login(colleague)
    second = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(lead, title="Claire")], save="1")
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Alice Martin" in html
    assert 'value="Claire"' in html
    assert list(
        WorkPackage.objects.filter(application=dossier).values_list("title", flat=True)
    ) == ["Alice"]


def test_an_unrelated_member_gets_404_on_every_work_page(client, charlie, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    client.force_login(charlie)
    for url in (
        _url("work_packages", dossier),
        _url("work_package", dossier, wp.number),
        _url("indicators", dossier),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, _formset("wp", [_wp_row(lead)], save="1")).status_code == 404
    assert WorkPackage.objects.get(pk=wp.pk).title == wp.title


def test_a_partner_reads_the_work_packages_but_cannot_change_them(client, bob, dossier):
    lead, _partner = _partners(dossier)
    client.force_login(bob)
    page = client.get(_url("work_packages", dossier))
    assert page.status_code == 200
    assert "vous pouvez la lire" in page.content.decode()
    response = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(lead)], save="1")
    )
    assert response.status_code == 403
    assert not WorkPackage.objects.filter(application=dossier).exists()


def test_nobody_edits_the_work_packages_of_a_submitted_dossier(client, alice, dossier):
    lead, _partner = _partners(dossier)
    type(dossier).objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(alice)
    assert "ne se modifie plus" in client.get(_url("work_packages", dossier)).content.decode()
    response = client.post(
        _url("work_packages", dossier), _formset("wp", [_wp_row(lead)], save="1")
    )
    assert response.status_code == 403
    assert not WorkPackage.objects.filter(application=dossier).exists()


# --- one work package: activities and deliverables --------------------------------------


def _wp_page_data(version=0, *, activities=(), deliverables=(), **extra):
    data = _formset("activities", list(activities), version=version)
    data.update(_formset("deliverables", list(deliverables), version=version))
    data.update(extra)
    return data


def test_a_work_package_that_does_not_exist_is_404(client, alice, dossier):
    client.force_login(alice)
    assert client.get(_url("work_package", dossier, 7)).status_code == 404
    assert client.post(_url("work_package", dossier, 7), _wp_page_data()).status_code == 404


def test_the_lead_saves_activities_and_deliverables_together(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=3, title="Diffusion", lead_partner=lead)
    client.force_login(alice)
    page = client.get(_url("work_package", dossier, 3)).content.decode()
    assert "Module 3 — Diffusion" in page
    assert "1. Organisation A" in page
    response = client.post(
        _url("work_package", dossier, 3),
        _wp_page_data(
            activities=[{"title": "Séminaire", "start_month": "2", "end_month": "4"}],
            deliverables=[{"title": "Guide", "due_month": "6"}],
            save="1",
        ),
    )
    assert response.status_code == 302
    assert list(wp.activities.values_list("title", "start_month", "end_month")) == [
        ("Séminaire", 2, 4)
    ]
    assert list(wp.deliverables.values_list("title", "due_month")) == [("Guide", 6)]
    assert SectionVersion.objects.get(application=dossier, key=f"wp-{wp.pk}").version == 1


def test_an_invalid_deliverable_keeps_the_valid_activity_unsaved_too(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    client.force_login(alice)
    response = client.post(
        _url("work_package", dossier, 1),
        _wp_page_data(
            activities=[{"title": "Séminaire", "start_month": "5", "end_month": "2"}],
            deliverables=[{"title": "Guide", "due_month": "40"}],
            save="1",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Le mois de fin doit être postérieur ou égal au mois de début." in html
    assert "Le projet dure 24 mois" in html
    assert not wp.activities.exists() and not wp.deliverables.exists()


def test_the_partner_leading_a_work_package_edits_its_activities(client, bob, dossier):
    _lead, partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=2, lead_partner=partner)
    client.force_login(bob)
    response = client.post(
        _url("work_package", dossier, 2),
        _wp_page_data(activities=[{"title": "Atelier", "end_month": "2", "start_month": "1"}]),
        save="1",
    )
    assert response.status_code == 302
    assert wp.activities.get().title == "Atelier"


def test_a_partner_cannot_edit_a_work_package_led_by_another(client, bob, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    client.force_login(bob)
    assert "vous pouvez les lire" in client.get(_url("work_package", dossier, 1)).content.decode()
    response = client.post(
        _url("work_package", dossier, 1),
        _wp_page_data(activities=[{"title": "Atelier", "start_month": "1", "end_month": "2"}]),
    )
    assert response.status_code == 403
    assert not wp.activities.exists()


def test_nobody_edits_a_work_package_of_a_submitted_dossier(client, alice, dossier):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    type(dossier).objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(alice)
    response = client.post(
        _url("work_package", dossier, 1),
        _wp_page_data(activities=[{"title": "Atelier", "start_month": "1", "end_month": "2"}]),
    )
    assert response.status_code == 403
    assert not wp.activities.exists()


def test_two_saves_of_a_work_package_from_the_same_version_conflict(client, alice, dossier, org_a):
    lead, _partner = _partners(dossier)
    wp = f.WorkPackageFactory(application=dossier, number=1, lead_partner=lead)
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org_a)
    client.force_login(alice)
    row = {"start_month": "1", "end_month": "2"}
    client.post(
        _url("work_package", dossier, 1),
        _wp_page_data(activities=[{"title": "Alice", **row}], save="1"),
    )
    client.force_login(colleague)
    response = client.post(
        _url("work_package", dossier, 1),
        _wp_page_data(activities=[{"title": "Claire", **row}], save="1"),
    )
    assert response.status_code == 409
    assert list(wp.activities.values_list("title", flat=True)) == ["Alice"]


# --- indicators -------------------------------------------------------------------------


def _indicator(**changes):
    row = {
        "code": "CO01",
        "name": "Participants accompagnés",
        "kind": "output",
        "unit": "personnes",
        "target_value": "12 500,50",
    }
    row.update(changes)
    return row


def test_indicators_are_saved_with_a_target_typed_in_french(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("indicators", dossier), _formset("indicators", [_indicator()], save="1")
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(application=dossier)
    assert indicator.target_value == Decimal("12500.50")
    assert SectionVersion.objects.get(application=dossier, key="indicators").version == 1
    page = client.get(_url("indicators", dossier)).content.decode()
    assert 'value="12\u00a0500,50"' in page


def test_a_negative_target_is_refused(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("indicators", dossier),
        _formset("indicators", [_indicator(target_value="-3")], save="1"),
    )
    assert response.status_code == 422
    assert "La valeur cible ne peut pas être négative." in response.content.decode()
    assert not Indicator.objects.exists()


def test_an_htmx_autosave_of_a_half_typed_indicator_says_what_is_not_saved(client, alice, dossier):
    client.force_login(alice)
    response = client.post(
        _url("indicators", dossier),
        _formset("indicators", [_indicator(target_value="douze")]),
        **HTMX,
    )
    assert response.status_code == 200
    assert "Modifications non enregistrées" in response.content.decode()
    assert not Indicator.objects.exists()


def test_a_partner_reads_the_indicators_but_cannot_change_them(client, bob, dossier):
    client.force_login(bob)
    assert client.get(_url("indicators", dossier)).status_code == 200
    response = client.post(
        _url("indicators", dossier), _formset("indicators", [_indicator()], save="1")
    )
    assert response.status_code == 403
    assert not Indicator.objects.exists()


def test_nobody_edits_the_indicators_of_a_submitted_dossier(client, alice, dossier):
    type(dossier).objects.filter(pk=dossier.pk).update(status="submitted")
    client.force_login(alice)
    response = client.post(
        _url("indicators", dossier), _formset("indicators", [_indicator()], save="1")
    )
    assert response.status_code == 403
    assert not Indicator.objects.exists()


def test_two_saves_of_the_indicators_from_the_same_version_conflict(client, alice, dossier, org_a):
    colleague = f.UserFactory(first_name="Claire", last_name="Dupont")
    f.MembershipFactory(user=colleague, organisation=org_a)
    client.force_login(alice)
    client.post(
        _url("indicators", dossier), _formset("indicators", [_indicator(name="A")], save="1")
    )
    client.force_login(colleague)
    response = client.post(
        _url("indicators", dossier), _formset("indicators", [_indicator(name="C")], save="1")
    )
    assert response.status_code == 409
    assert list(Indicator.objects.values_list("name", flat=True)) == ["A"]


# --- query counts -----------------------------------------------------------------------

# Every dossier page: the session and the user (2); the dossier with its call, its partners
# with their organisations (2); the eligibility checklist with the call's facts cached (5:
# the dossier's facts, its budget and co-financing sums, its partners, its chosen lists);
# the menu's marks (2: the counts, the call's required documents); the section's version
# (1). 12 in all, plus the page's own reads. (The session is written again once a minute,
# not here.)
LAYOUT_QUERIES = 12


def _warm_up(client, application) -> None:
    """The first page of a call reads the call's facts once (then cached for every dossier
    of the call); pinned counts are those of the pages that follow."""
    assert client.get(_url("overview", application)).status_code == 200


@pytest.mark.parametrize(
    ("name", "args", "own_queries"),
    [
        ("work_packages", (), 1),  # the work packages
        ("work_package", (1,), 3),  # the work package, its activities, its deliverables
        ("indicators", (), 1),  # the indicators
    ],
)
def test_work_pages_cost_the_same_queries_for_2_and_for_20_partners_and_lines(
    client, alice, dossier, call, org_a, name, args, own_queries, django_assert_num_queries
):
    _grow(dossier, 2, 2)
    large = f.lead_application(call=call, organisation=org_a, created_by=alice)
    _grow(large, 20, 20)
    client.force_login(alice)
    _warm_up(client, dossier)
    for application in (dossier, large):
        with django_assert_num_queries(LAYOUT_QUERIES + own_queries):
            assert client.get(_url(name, application, *args)).status_code == 200
