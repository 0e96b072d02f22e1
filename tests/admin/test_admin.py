"""The Django admin as a programme officer uses it: every registered model lists, adds and
shows its rows; the pages that matter most say what they should and nothing more (no
editable status, no editable token), and list pages run a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from applications.choices import ApplicationStatus, DecisionOutcome, ScreeningVerdict
from applications.models import (
    Application,
    Assessment,
    Decision,
    EligibilityScreening,
    Score,
    Snapshot,
    StatusChange,
)
from audit.choices import AuditAction
from audit.services import record as audit_record
from calls.models import Call, Measure
from partners.choices import LegalType, PartnerRole
from partners.models import ColleagueInvitation, Invitation, Partner, hash_token
from portal.models import User
from reporting.choices import DocumentKind, ReportStatus
from reporting.models import GeneratedDocument, ReportStatusChange
from tests import factories as f

# --- Fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every builder makes accounts; hashing their passwords for real would take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(
        email="root@authority.example.org",
        password="correct-horse-battery",
        first_name="Sam",
        last_name="Root",
    )


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


def _user() -> User:
    return f.UserFactory()


def _invitation() -> Invitation:
    return Invitation.objects.create(
        application=f.lead_application(),
        email=f"invitee-{uuid.uuid4().hex[:8]}@example.org",
        token_hash=hash_token(uuid.uuid4().hex),
        invited_by=_user(),
        expires_at=timezone.now() + dt.timedelta(days=14),
    )


def _colleague_invitation() -> ColleagueInvitation:
    return ColleagueInvitation.objects.create(
        organisation=f.OrganisationFactory(),
        email=f"colleague-{uuid.uuid4().hex[:8]}@example.org",
        token_hash=hash_token(uuid.uuid4().hex),
        invited_by=_user(),
        expires_at=timezone.now() + dt.timedelta(days=14),
    )


def _screening() -> EligibilityScreening:
    rule = f.EligibilityRuleFactory()
    return EligibilityScreening.objects.create(
        application=f.lead_application(call=rule.call),
        rule=rule,
        engine_verdict=ScreeningVerdict.FAIL,
        officer_verdict=ScreeningVerdict.PASS,
        justification="Le partenaire manquant a été ajouté par avenant.",
        officer=_user(),
    )


def _assessment() -> Assessment:
    return Assessment.objects.create(
        application=f.lead_application(), assessor=_user(), assigned_by=_user()
    )


def _score() -> Score:
    criterion = f.AssessmentCriterionFactory()
    assessment = Assessment.objects.create(
        application=f.lead_application(call=criterion.call),
        assessor=_user(),
        assigned_by=_user(),
    )
    return Score.objects.create(
        assessment=assessment, criterion=criterion, score=Decimal("18"), comment="Solide."
    )


def _decision() -> Decision:
    return Decision.objects.create(
        application=f.lead_application(),
        outcome=DecisionOutcome.SELECTED,
        amount_granted=Decimal("250000.00"),
        decided_on=dt.date(2026, 6, 30),
        reasons="Projet retenu par le comité de programmation.",
        decided_by=_user(),
    )


def _status_change() -> StatusChange:
    return StatusChange.objects.create(
        application=f.lead_application(),
        from_status=ApplicationStatus.DRAFT,
        to_status=ApplicationStatus.SUBMITTED,
        actor=_user(),
        comment="Dépôt.",
    )


def _snapshot() -> Snapshot:
    return Snapshot.objects.create(
        application=f.lead_application(),
        number=1,
        data={"reference": "DOS", "title": "Projet <figé>"},
        sha256="a" * 64,
        verdict="pass",
        total_budget=Decimal("1000.00"),
        eu_requested=Decimal("600.00"),
        created_by=_user(),
    )


def _report_status_change() -> ReportStatusChange:
    return ReportStatusChange.objects.create(
        report=f.ProgressReportFactory(),
        from_status=ReportStatus.DRAFT,
        to_status=ReportStatus.SUBMITTED,
        actor=_user(),
    )


def _generated_document() -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        kind=DocumentKind.ACKNOWLEDGEMENT,
        application=f.lead_application(),
        requested_by=_user(),
        size=12345,
    )


# One way to build a row of each registered model. A newly registered model fails the
# parametrised tests below until it gets its builder here.
BUILDERS = {
    "auth.Group": lambda: Group.objects.create(name=f"Groupe {uuid.uuid4().hex[:8]}"),
    "portal.User": _user,
    "calls.Fund": f.FundFactory,
    "calls.Authority": f.AuthorityFactory,
    "calls.AuthorityMember": f.AuthorityMemberFactory,
    "calls.Programme": f.ProgrammeFactory,
    "calls.Axis": f.AxisFactory,
    "calls.Measure": f.MeasureFactory,
    "calls.Priority": f.PriorityFactory,
    "calls.TargetGroup": f.TargetGroupFactory,
    "calls.DocumentType": f.DocumentTypeFactory,
    "calls.Call": f.CallFactory,
    "calls.EligibilityRule": f.EligibilityRuleFactory,
    "calls.AssessmentCriterion": f.AssessmentCriterionFactory,
    "partners.Organisation": f.OrganisationFactory,
    "partners.Membership": f.MembershipFactory,
    "partners.Partner": lambda: f.PartnerFactory(application=f.lead_application()),
    "partners.Invitation": _invitation,
    "partners.ColleagueInvitation": _colleague_invitation,
    "applications.Application": f.lead_application,
    "applications.WorkPackage": f.WorkPackageFactory,
    "applications.BudgetLine": f.BudgetLineFactory,
    "applications.Cofinancing": f.CofinancingFactory,
    "applications.Indicator": f.IndicatorFactory,
    "applications.Attachment": f.AttachmentFactory,
    "applications.StatusChange": _status_change,
    "applications.Snapshot": _snapshot,
    "applications.EligibilityScreening": _screening,
    "applications.Assessment": _assessment,
    "applications.Score": _score,
    "applications.Decision": _decision,
    "reporting.ProgressReport": f.ProgressReportFactory,
    "reporting.ReportStatusChange": _report_status_change,
    "reporting.GeneratedDocument": _generated_document,
    # django-axes' login attempts (portal/accounts/lockout.py).
    "axes.AccessAttempt": lambda: AccessAttempt.objects.create(
        username=f"guess-{uuid.uuid4().hex[:8]}@example.org",
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=1,
        attempt_time=timezone.now(),
    ),
    "axes.AccessFailureLog": lambda: AccessFailureLog.objects.create(
        username="guess@example.org", ip_address="192.0.2.1", user_agent="test"
    ),
    "axes.AccessLog": lambda: AccessLog.objects.create(
        username="alice@example.org", ip_address="192.0.2.1", user_agent="test"
    ),
    # The audit journal (read-only in the admin), written through its service.
    "audit.AuditEvent": lambda: audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        label=f"guess-{uuid.uuid4().hex[:8]}@example.org",
        details={"reason": "test"},
    ),
}

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
SEARCHABLE = [
    (model, model_admin) for model, model_admin in REGISTERED if model_admin.search_fields
]


def by_label(items):
    return pytest.mark.parametrize(
        ("model", "model_admin"), items, ids=[model._meta.label for model, _admin in items]
    )


def build(model):
    """A row of ``model`` as the database gives it back (decimals with their places...)."""
    label = model._meta.label
    assert label in BUILDERS, f"add a builder for {label} to BUILDERS"
    return model._default_manager.get(pk=BUILDERS[label]().pk)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _field_data(bound_field) -> dict:
    """What a browser sends for one unchanged field."""
    field, name = bound_field.field, bound_field.html_name
    widget = field.widget
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    value = bound_field.value()
    if isinstance(widget, forms.FileInput):
        return {}
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {f"{name}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)}
    value = field.prepare_value(value)
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(v) for v in value or []]}
    return {name: "" if value is None else str(value)}


def form_data(response) -> dict:
    """The data an admin change page sends back when saved without a change: its form and
    the existing rows of its inlines."""
    data = {}
    forms_to_send = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            data[bound_field.html_name] = bound_field.value()
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        forms_to_send.extend(formset.initial_forms)
    for form in forms_to_send:
        for bound_field in form:
            data.update(_field_data(bound_field))
    return data


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Every registered admin ------------------------------------------------------------------


def test_every_model_of_the_portal_has_an_admin_page_or_sits_in_one_as_an_inline():
    inlined = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    missing = [
        model._meta.label
        for label in ("portal", "calls", "partners", "applications", "reporting")
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry and model not in inlined
    ]
    assert missing == []


@by_label(REGISTERED)
def test_the_list_page_of_each_admin_shows_a_row(staff_client, model, model_admin):
    obj = build(model)

    response = staff_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert admin_url(model, "change", obj.pk) in response.content.decode()


@by_label(REGISTERED)
def test_the_add_page_of_each_admin_opens_unless_rows_are_written_by_the_code_only(
    staff_client, rf, superuser, model, model_admin
):
    request = rf.get("/")
    request.user = superuser

    response = staff_client.get(admin_url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@by_label(REGISTERED)
def test_the_page_of_a_row_opens_in_each_admin(staff_client, model, model_admin):
    obj = build(model)

    response = staff_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert escape(str(obj)) in response.content.decode()


@by_label(SEARCHABLE)
def test_a_search_runs_on_each_admin_that_offers_one(staff_client, model, model_admin):
    build(model)

    response = staff_client.get(admin_url(model, "changelist"), {"q": "emploi 2026"})

    assert response.status_code == 200


@by_label(REGISTERED)
def test_each_list_page_runs_as_many_queries_for_five_rows_as_for_one(
    staff_client, model, model_admin
):
    url = admin_url(model, "changelist")
    build(model)
    staff_client.get(url)  # warm the caches (content types, session)
    with_one = count_queries(staff_client, url)
    for _ in range(4):
        build(model)

    with_five = count_queries(staff_client, url)

    assert with_five == with_one


def test_the_admin_names_the_portal(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert "Portail des fonds européens — administration" in response.content.decode()


# --- Accounts --------------------------------------------------------------------------------


def test_an_account_is_created_with_an_email_and_a_password(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "Nadia.Officer@Authority.example.org",
            "first_name": "Nadia",
            "last_name": "Lefebvre",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="nadia.officer@authority.example.org")
    assert user.check_password("un-mot-de-passe-solide")
    assert not user.is_staff


def test_an_email_already_used_in_another_case_is_refused(staff_client):
    f.UserFactory(email="alice@a.example.org")

    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "ALICE@a.example.org",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
        },
    )

    assert response.status_code == 200
    assert "Un compte existe déjà avec l&#x27;adresse alice@a.example.org." in (
        response.content.decode()
    )
    assert User.objects.filter(email__iexact="alice@a.example.org").count() == 1


# --- Calls -----------------------------------------------------------------------------------


def test_the_call_list_says_whether_each_call_is_upcoming_open_or_closed(staff_client):
    now = timezone.now()
    f.CallFactory(title="Ouvert aujourd'hui")
    f.CallFactory(opens_at=now + dt.timedelta(days=5), closes_at=now + dt.timedelta(days=40))
    f.CallFactory(opens_at=now - dt.timedelta(days=40), closes_at=now - dt.timedelta(days=1))

    html = staff_client.get(admin_url(Call, "changelist")).content.decode()

    for label in ("Ouvert", "À venir", "Clos"):
        assert f'<td class="field-status_display">{label}</td>' in html


def test_the_call_page_shows_its_dossier_counter_without_letting_anyone_edit_it(staff_client):
    call = f.CallFactory(application_sequence=7)

    html = staff_client.get(admin_url(Call, "change", call.pk)).content.decode()

    assert 'name="application_sequence"' not in html
    assert '<div class="readonly">7</div>' in html


def test_the_call_page_offers_only_the_measures_of_its_programme(staff_client):
    call = f.CallFactory()
    own = f.MeasureFactory(axis=f.AxisFactory(programme=call.programme), name="Mesure du programme")
    f.MeasureFactory(name="Mesure d'un autre programme")

    html = staff_client.get(admin_url(Call, "change", call.pk)).content.decode()

    assert escape(str(own)) in html
    assert "Mesure d&#x27;un autre programme" not in html


def test_the_measure_page_offers_the_legal_types_as_boxes_to_tick(staff_client):
    measure = f.MeasureFactory(eligible_legal_types=[LegalType.ASSOCIATION])

    html = staff_client.get(admin_url(Measure, "change", measure.pk)).content.decode()

    assert html.count('type="checkbox" name="eligible_legal_types"') == len(LegalType.choices)
    assert 'name="eligible_legal_types" value="association"' in html
    assert escape(str(LegalType.PLIE.label)) in html


def test_saving_the_measure_page_stores_the_ticked_legal_types_as_a_list(staff_client):
    measure = f.MeasureFactory(eligible_legal_types=[LegalType.ASSOCIATION])
    url = admin_url(Measure, "change", measure.pk)
    data = form_data(staff_client.get(url))
    data["eligible_legal_types"] = [LegalType.MISSION_LOCALE, LegalType.PLIE]

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    measure.refresh_from_db()
    assert measure.eligible_legal_types == ["mission_locale", "plie"]


def test_a_measure_saved_with_no_box_ticked_admits_no_legal_type(staff_client):
    measure = f.MeasureFactory()
    url = admin_url(Measure, "change", measure.pk)
    data = form_data(staff_client.get(url))
    del data["eligible_legal_types"]

    response = staff_client.post(url, data)

    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.eligible_legal_types == []


# --- Applications ----------------------------------------------------------------------------


def test_the_application_page_never_offers_its_status_for_editing(staff_client, dossier):
    html = staff_client.get(admin_url(Application, "change", dossier.pk)).content.decode()

    assert 'name="status"' not in html
    assert "Brouillon" in html


def test_a_status_posted_with_the_application_form_is_ignored(staff_client, dossier):
    url = admin_url(Application, "change", dossier.pk)
    data = form_data(staff_client.get(url))
    data["status"] = ApplicationStatus.SELECTED
    data["title"] = "Titre corrigé par l'agent"

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    dossier.refresh_from_db()
    assert dossier.title == "Titre corrigé par l'agent"
    assert dossier.status == ApplicationStatus.DRAFT
    assert not dossier.status_changes.exists()


def test_a_second_lead_partner_is_refused_with_a_message(staff_client, dossier):
    url = admin_url(Application, "change", dossier.pk)
    data = form_data(staff_client.get(url))
    second = next(p for p in dossier.partners.all() if not p.is_lead)
    index = next(
        i
        for i in range(int(data["partners-TOTAL_FORMS"]))
        if data[f"partners-{i}-id"] == str(second.pk)
    )
    data[f"partners-{index}-role"] = PartnerRole.LEAD

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Un dossier n&#x27;a qu&#x27;un seul chef de file ; 2 sont indiqués." in (
        response.content.decode()
    )
    assert Partner.objects.filter(application=dossier, role=PartnerRole.LEAD).count() == 1


def test_the_application_list_shows_the_lead_organisation(staff_client, dossier, org_a):
    html = staff_client.get(admin_url(Application, "changelist")).content.decode()

    assert f'<td class="field-lead_organisation">{escape(str(org_a))}</td>' in html


def test_the_application_list_runs_the_same_queries_for_2_and_10_dossiers(staff_client):
    def dossier_with_two_partners():
        application = f.lead_application()
        f.PartnerFactory(application=application)

    url = admin_url(Application, "changelist")
    for _ in range(2):
        dossier_with_two_partners()
    staff_client.get(url)  # warm the caches
    with_two = count_queries(staff_client, url)
    for _ in range(8):
        dossier_with_two_partners()

    with_ten = count_queries(staff_client, url)

    assert with_ten == with_two


def test_the_work_package_of_a_dossier_is_led_by_one_of_its_partners_only(
    staff_client, dossier, org_a
):
    other = f.lead_application(organisation=f.OrganisationFactory(legal_name="Ailleurs SA"))

    html = staff_client.get(admin_url(Application, "change", dossier.pk)).content.decode()

    work_packages = html.split('id="work_packages-group"')[1]
    assert escape(str(org_a)) in work_packages
    assert other.lead_partner.organisation.legal_name not in work_packages


def test_status_changes_cannot_be_added_changed_or_deleted(staff_client):
    change = _status_change()

    assert staff_client.get(admin_url(StatusChange, "add")).status_code == 403
    assert staff_client.get(admin_url(StatusChange, "delete", change.pk)).status_code == 403
    response = staff_client.post(admin_url(StatusChange, "change", change.pk), {"comment": "x"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.comment == "Dépôt."


def test_a_snapshot_shows_its_frozen_content_escaped(staff_client):
    snapshot = _snapshot()

    html = staff_client.get(admin_url(Snapshot, "change", snapshot.pk)).content.decode()

    assert "Projet &lt;figé&gt;" in html


# --- Partners --------------------------------------------------------------------------------


def test_the_token_hash_of_an_invitation_is_never_editable(staff_client):
    invitation = _invitation()

    html = staff_client.get(admin_url(Invitation, "change", invitation.pk)).content.decode()

    assert 'name="token_hash"' not in html
    assert invitation.token_hash in html


def test_an_organisation_is_found_by_its_siret(staff_client):
    f.OrganisationFactory(legal_name="Mission locale du Valenciennois", siret=f.VALID_SIRETS[2])
    f.OrganisationFactory(legal_name="PLIE de Lille")

    response = staff_client.get(
        reverse("admin:partners_organisation_changelist"), {"q": f.VALID_SIRETS[2]}
    )

    html = response.content.decode()
    assert "Mission locale du Valenciennois" in html
    assert "PLIE de Lille" not in html


def test_the_application_page_shows_the_budget_per_partner_with_the_totals(client, dossier):
    admin_user = f.UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    lead, partner = dossier.partners.order_by("number")
    f.BudgetLineFactory(partner=lead, amount=Decimal("1000.00"))
    f.BudgetLineFactory(partner=partner, amount=Decimal("3000.00"))
    f.CofinancingFactory(partner=lead, amount=Decimal("2400.00"))

    response = client.get(reverse("admin:applications_application_change", args=[dossier.pk]))

    html = response.content.decode()
    assert "4\u00a0000,00\u00a0€" in html
    assert "60\u00a0%" in html
    assert reverse("admin:partners_partner_change", args=[lead.pk]) in html


def test_a_partner_page_edits_its_budget_lines_and_cofinancing(client, dossier):
    admin_user = f.UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    lead = dossier.partners.get(number=1)
    f.BudgetLineFactory(partner=lead, amount=Decimal("1234.56"))

    response = client.get(reverse("admin:partners_partner_change", args=[lead.pk]))

    html = response.content.decode()
    assert 'name="budget_lines-0-amount"' in html
    assert 'value="1234.56"' in html
    assert 'name="cofinancings-TOTAL_FORMS"' in html
