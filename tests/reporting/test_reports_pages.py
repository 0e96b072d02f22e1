# ruff: noqa: F811 (pytest fixtures imported from test_reports_services are test arguments)
"""The progress reports' pages as their users see them: the calendar with due dates and late
periods, opening a report, filling its sections (bad input said beside the field, 422,
nothing saved), each partner's expenditure, submitting, the officer's acceptance or request
for changes, the history, the links from the dossier pages, and the query counts.

The fixtures (a project in progress, its first report) are those of the services' tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.choices import CostCategory
from reporting.choices import ReportStatus as R
from reporting.models import (
    Expenditure,
    IndicatorProgress,
    ProgressReport,
    ReportStatusChange,
    WorkPackageProgress,
)
from reporting.services import report_open, report_submit
from review.decisions import add_months
from tests import factories as f
from tests.reporting.test_reports_services import (  # noqa: F401
    _fast_passwords,
    complete,
    draft,
    fill,
    project_start,
    running,
    submitted,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def url(name, report, *args) -> str:
    return reverse(f"reporting:{name}", args=[report.application.reference, report.number, *args])


def page(client, user, address) -> str:
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


def status_of(report) -> str:
    return ProgressReport.objects.get(pk=report.pk).status


# --- the calendar -------------------------------------------------------------------------


def test_the_calendar_lists_the_periods_with_due_dates_and_late_ones(client, running, alice):
    html = page(client, alice, reverse("reporting:report_list", args=[running.reference]))
    # 24 months, a report every 6: four periods, the last one final.
    assert html.count('<th scope="row">') == 4
    assert "4 (final)" in html
    # Period 1 ended a month ago and has no report: it is late; period 2 runs, 3 is to come.
    assert html.count("En retard") == 1
    assert "Ouvrir le rapport n° 1" in html and "Ouvrir le rapport n° 2" in html
    assert "Ouvrir le rapport n° 3" not in html
    assert "Période à venir" in html


def test_a_partners_member_reads_the_calendar_without_opening(client, running, bob):
    html = page(client, bob, reverse("reporting:report_list", args=[running.reference]))
    assert "Calendrier des rapports" in html
    assert "Ouvrir le rapport" not in html


def test_the_lead_opens_a_report_from_the_calendar_then_lands_on_it(client, running, alice):
    client.force_login(alice)
    response = client.post(reverse("reporting:report_open", args=[running.reference, 1]))
    report = ProgressReport.objects.get(application=running, number=1)
    assert response.status_code == 302
    assert response["Location"] == url("report_detail", report)
    html = client.get(response["Location"]).content.decode()
    assert "Rapport d'avancement n° 1" in html
    assert "Brouillon" in html
    # The same period again: a conflict, said on the calendar.
    again = client.post(reverse("reporting:report_open", args=[running.reference, 1]))
    assert again.status_code == 409
    assert "déjà ouvert" in again.content.decode()
    assert ProgressReport.objects.filter(application=running).count() == 1


def test_a_period_to_come_cannot_be_opened_from_the_page(client, running, alice):
    client.force_login(alice)
    response = client.post(reverse("reporting:report_open", args=[running.reference, 3]))
    assert response.status_code == 422
    assert "ne peut pas encore être ouvert" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_a_submitted_report_is_no_longer_late(client, submitted, alice):
    html = page(
        client, alice, reverse("reporting:report_list", args=[submitted.application.reference])
    )
    assert "En retard" not in html
    assert "Remis" in html


# --- the sections -------------------------------------------------------------------------


def test_the_general_part_is_saved_and_shown_on_the_report(client, draft, alice):
    client.force_login(alice)
    response = client.post(
        url("report_general", draft),
        {
            "report_date": TODAY().isoformat(),
            "overall_progress": "Tous les modules mis en œuvre, sauf le module 2.",
            "results": "Cinq modules complémentaires.",
            "added_value": "Une formation commune aux deux versants.",
        },
    )
    assert response.status_code == 302
    html = client.get(url("report_detail", draft)).content.decode()
    assert "Tous les modules mis en œuvre, sauf le module 2." in html
    assert "Une formation commune aux deux versants." in html


def test_a_report_date_in_the_future_is_said_beside_the_field_and_nothing_is_saved(
    client, draft, alice
):
    client.force_login(alice)
    response = client.post(
        url("report_general", draft),
        {
            "report_date": (TODAY() + dt.timedelta(days=2)).isoformat(),
            "overall_progress": "Ne doit pas être enregistré.",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_report_date_error"' in html
    assert "La date du rapport ne peut pas être dans le futur." in html
    assert ProgressReport.objects.get(pk=draft.pk).overall_progress == ""


def test_a_date_that_is_not_a_date_is_refused(client, draft, alice):
    client.force_login(alice)
    response = client.post(url("report_general", draft), {"report_date": "31/02/2021"})
    assert response.status_code == 422
    assert "Saisissez une date valide" in response.content.decode()


def test_a_late_work_package_without_its_reason_is_refused(client, draft, alice):
    wp1, wp2 = draft.application.work_packages.order_by("number")
    client.force_login(alice)
    response = client.post(
        url("report_work_packages", draft),
        {
            f"wp-{wp1.pk}-state": "done",
            f"wp-{wp1.pk}-narrative": "Référentiels comparés.",
            f"wp-{wp2.pk}-state": "not_started",
            f"wp-{wp2.pk}-narrative": "",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_wp-{wp2.pk}-narrative_error"' in html
    assert "Expliquez pourquoi le module est « Non démarré »" in html
    assert not WorkPackageProgress.objects.exists()
    response = client.post(
        url("report_work_packages", draft),
        {
            f"wp-{wp1.pk}-state": "done",
            f"wp-{wp1.pk}-narrative": "Référentiels comparés.",
            f"wp-{wp2.pk}-state": "not_started",
            f"wp-{wp2.pk}-narrative": "Il commence à l'issue de la formation.",
        },
    )
    assert response.status_code == 302
    html = client.get(url("report_detail", draft)).content.decode()
    assert "Non démarré" in html and "Il commence à l&#x27;issue de la formation." in html


def test_indicators_take_french_numbers_and_refuse_the_rest(client, draft, alice):
    i1, i2 = draft.application.indicators.order_by("code")
    client.force_login(alice)
    response = client.post(
        url("report_indicators", draft),
        {f"ind-{i1.pk}-value": "dix-huit", f"ind-{i2.pk}-value": "-2"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Saisissez un nombre, par exemple 12 ou 12,5." in html
    assert "La valeur atteinte ne peut pas être négative." in html
    assert not IndicatorProgress.objects.exists()
    response = client.post(
        url("report_indicators", draft),
        {
            f"ind-{i1.pk}-value": "18",
            f"ind-{i2.pk}-value": "2,5",
            f"ind-{i2.pk}-comment": "En cours",
        },
    )
    assert response.status_code == 302
    assert dict(IndicatorProgress.objects.values_list("indicator__code", "value_reached")) == {
        "I1": Decimal("18.00"),
        "I2": Decimal("2.50"),
    }
    html = client.get(url("report_detail", draft)).content.decode()
    assert "30\u00a0%" in html  # 18 of 60


def expenditure_post(rows, *, initial=0) -> dict:
    data = {
        "expenditure-TOTAL_FORMS": str(len(rows)),
        "expenditure-INITIAL_FORMS": str(initial),
        "expenditure-MIN_NUM_FORMS": "0",
        "expenditure-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"expenditure-{index}-{key}"] = value
    return data


def test_a_partner_declares_its_expenditure_in_french_amounts(client, draft, bob):
    client.force_login(bob)
    address = url("report_expenditure", draft, 2)
    response = client.post(
        address,
        expenditure_post(
            [
                {"cost_category": "staff", "description": "Formatrices", "amount": "12 500,50"},
                {"cost_category": "", "description": "", "amount": ""},
            ]
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == address
    row = Expenditure.objects.get()
    assert (row.partner.number, row.cost_category, row.amount) == (
        2,
        CostCategory.STAFF,
        Decimal("12500.50"),
    )
    html = client.get(address).content.decode()
    assert "12\u00a0500,50\u00a0€" in html
    assert "41,67\u00a0%" in html  # of its 30 000 EUR staff budget


def test_a_negative_amount_is_said_beside_its_line_and_nothing_is_saved(client, draft, bob):
    client.force_login(bob)
    response = client.post(
        url("report_expenditure", draft, 2),
        expenditure_post(
            [
                {"cost_category": "staff", "amount": "100"},
                {"cost_category": "travel", "amount": "-40"},
            ]
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_expenditure-1-amount_error"' in html
    assert "Le montant ne peut pas être négatif." in html
    assert not Expenditure.objects.exists()


def test_a_partner_reads_the_other_partners_expenditure_without_editing_it(client, draft, bob):
    f.ExpenditureFactory(report=draft, partner=draft.application.partners.get(number=1))
    html = page(client, bob, url("report_expenditure", draft, 1))
    assert "Ces dépenses sont déclarées par les membres de Organisation A" in html
    assert "disabled" in html
    response = client.post(
        url("report_expenditure", draft, 1),
        expenditure_post([{"cost_category": "staff", "amount": "1"}]),
    )
    assert response.status_code == 403
    assert list(Expenditure.objects.values_list("amount", flat=True)) == [Decimal("1000.00")]


def test_a_partners_member_reads_the_report_but_does_not_edit_the_leads_sections(
    client, draft, bob
):
    html = page(client, bob, url("report_detail", draft))
    assert "Déclarer les dépenses de Organisation B" in html
    assert "Modifier la date" not in html
    assert "Remettre le rapport" not in html
    response = client.post(url("report_general", draft), {"overall_progress": "Bob écrit."})
    assert response.status_code == 403
    assert ProgressReport.objects.get(pk=draft.pk).overall_progress == ""


# --- submission and the officer's answer --------------------------------------------------


def test_an_incomplete_report_says_what_is_missing_when_submitted(client, draft, alice):
    client.force_login(alice)
    html = client.get(url("report_detail", draft)).content.decode()
    assert "Décrivez l&#x27;état d&#x27;avancement général du projet." in html
    response = client.post(url("report_submit", draft), {"from_status": "draft", "confirm": "on"})
    assert response.status_code == 422
    assert "Indiquez l&#x27;état du module 1" in response.content.decode()
    assert status_of(draft) == R.DRAFT


def test_the_certification_box_must_be_ticked(client, complete, alice):
    client.force_login(alice)
    response = client.post(url("report_submit", complete), {"from_status": "draft"})
    assert response.status_code == 422
    assert "Cochez cette case" in response.content.decode()
    assert status_of(complete) == R.DRAFT


def test_the_lead_submits_then_the_report_is_read_only(
    client, complete, alice, olivia, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("report_submit", complete), {"from_status": "draft", "confirm": "on"}
        )
    assert response.status_code == 302
    assert status_of(complete) == R.SUBMITTED
    assert [message.to for message in mailoutbox] == [[olivia.email]]
    html = client.get(url("report_detail", complete)).content.decode()
    assert "Remis" in html
    assert "Modifier la date" not in html and "Remettre le rapport" not in html
    general = client.get(url("report_general", complete)).content.decode()
    assert "il se lit, il ne se modifie plus" in general


def test_a_stale_submission_page_is_a_conflict(client, complete, alice):
    report_submit(report=complete, actor=alice)
    client.force_login(alice)
    response = client.post(
        url("report_submit", complete), {"from_status": "draft", "confirm": "on"}
    )
    assert response.status_code == 409
    assert "a changé d&#x27;état entre-temps" in response.content.decode()
    assert ReportStatusChange.objects.count() == 1


def test_the_officer_reads_the_submitted_report_and_its_history(client, submitted, olivia):
    html = page(client, olivia, url("report_detail", submitted))
    assert "Instruction du rapport" in html
    assert "Accepter le rapport" in html and "Demander des modifications" in html
    assert "Historique des états" in html and "Rapport d&#x27;avancement n° 1 remis le" in html
    assert reverse("review:dossier", args=[submitted.application.reference]) in html


def test_changes_need_a_reason_beside_the_field(client, submitted, olivia):
    client.force_login(olivia)
    response = client.post(
        url("report_request_changes", submitted),
        {"changes-from_status": "submitted", "changes-comment": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_changes-comment_error"' in html
    assert "Indiquez les modifications demandées au chef de file." in html
    assert status_of(submitted) == R.SUBMITTED


def test_changes_asked_are_shown_to_the_lead_who_can_edit_again(client, submitted, olivia, alice):
    client.force_login(olivia)
    response = client.post(
        url("report_request_changes", submitted),
        {"changes-from_status": "submitted", "changes-comment": "Détaillez le module 2."},
    )
    assert response.status_code == 302
    assert status_of(submitted) == R.CHANGES_REQUESTED
    html = page(client, alice, url("report_detail", submitted))
    assert "Le service instructeur demande des modifications" in html
    assert "Détaillez le module 2." in html
    assert "Remettre à nouveau le rapport" in html
    assert "Modifier la date" in html


def test_the_officer_accepts_and_a_second_answer_is_a_conflict(client, submitted, olivia):
    client.force_login(olivia)
    response = client.post(
        url("report_accept", submitted), {"accept-from_status": "submitted", "accept-comment": ""}
    )
    assert response.status_code == 302
    assert status_of(submitted) == R.ACCEPTED
    again = client.post(
        url("report_request_changes", submitted),
        {"changes-from_status": "submitted", "changes-comment": "Trop tard."},
    )
    assert again.status_code == 409
    assert status_of(submitted) == R.ACCEPTED
    html = client.get(url("report_detail", submitted)).content.decode()
    assert "Accepté" in html and "Instruction du rapport" not in html


def test_officers_never_see_a_draft_report(client, draft, olivia):
    client.force_login(olivia)
    for name in ("report_detail", "report_general", "report_work_packages", "report_indicators"):
        assert client.get(url(name, draft)).status_code == 404
    assert client.get(url("report_expenditure", draft, 1)).status_code == 404
    html = client.get(reverse("reporting:report_list", args=[draft.application.reference]))
    assert html.status_code == 200
    content = html.content.decode()
    assert "Non remis" in content and "Brouillon" not in content
    assert url("report_detail", draft) not in content


# --- links from the dossier pages ---------------------------------------------------------


def test_the_dossier_pages_link_to_the_reports_of_a_project(client, running, alice, olivia):
    link = reverse("reporting:report_list", args=[running.reference])
    assert link in page(client, alice, reverse("applications:overview", args=[running.reference]))
    assert link in page(client, olivia, reverse("review:dossier", args=[running.reference]))


def test_a_dossier_that_is_not_a_project_has_no_reports_link(client, dossier, alice):
    html = page(client, alice, reverse("applications:overview", args=[dossier.reference]))
    assert "Rapports d'avancement du projet" not in html
    assert reverse("reporting:report_list", args=[dossier.reference]) not in html
    client.force_login(alice)
    response = client.get(reverse("reporting:report_list", args=[dossier.reference]))
    assert response.status_code == 404


# --- queries ------------------------------------------------------------------------------


def _report_with_partners(call, olivia, count: int):
    call.programme.report_interval_months = 6
    call.programme.save()
    start = project_start()
    application = f.project(
        call=call,
        officer=olivia,
        reference=f"Q-{count}",
        start_date=start,
        end_date=add_months(start, 24) - dt.timedelta(days=1),
    )
    lead_member = f.MembershipFactory(organisation=application.partners.get().organisation).user
    for number in range(2, count + 1):
        f.PartnerFactory(application=application, number=number)
    for number in range(1, 4):
        wp = f.WorkPackageFactory(application=application, number=number)
        f.IndicatorFactory(application=application, code=f"I{number}")
        f.BudgetLineFactory(partner=application.partners.get(number=1), work_package=wp)
    report = report_open(application=application, period_number=1, actor=lead_member)
    for partner in application.partners.all():
        f.BudgetLineFactory(partner=partner, cost_category=CostCategory.TRAVEL)
        f.ExpenditureFactory(report=report, partner=partner)
        f.ExpenditureFactory(report=report, partner=partner, cost_category=CostCategory.TRAVEL)
    fill(report, lead_member, states=("done", "late", "in_progress"))
    report_submit(report=report, actor=lead_member)
    return report, lead_member


@pytest.mark.parametrize("viewer", ["lead", "officer"])
def test_the_report_page_takes_the_same_queries_for_2_and_10_partners(client, call, olivia, viewer):
    counts = []
    for partners in (2, 10):
        report, lead_member = _report_with_partners(call, olivia, partners)
        client.force_login(lead_member if viewer == "lead" else olivia)
        address = url("report_detail", report)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_calendar_takes_the_same_queries_for_2_and_10_partners(client, call, olivia):
    counts = []
    for partners in (2, 10):
        report, lead_member = _report_with_partners(call, olivia, partners)
        client.force_login(lead_member)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("reporting:report_list", args=[report.application.reference])
            )
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
