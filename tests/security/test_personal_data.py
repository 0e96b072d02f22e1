"""A person's rights over their personal data: a copy of everything the portal holds about
them (and nothing of anyone else), and being forgotten (their name, e-mail address and
phone replaced everywhere by a pseudonym, the dossiers and their amounts kept, the account
closed for good)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from applications.models import Application, BudgetLine, Snapshot, StatusChange
from applications.services import snapshot_freeze
from applications.snapshot import fingerprint
from calls.choices import AuthorityRole
from calls.models import AuthorityMember
from partners.choices import InvitationStatus, MembershipRole, PartnerRole
from partners.models import Invitation, Membership, Partner
from portal import personal_data
from portal.models import User
from reporting.documents import document_render
from reporting.models import GeneratedDocument
from tests import factories as f

pytestmark = pytest.mark.django_db

EXPORT = "/compte/donnees-personnelles/export/"
FORGET = "/compte/donnees-personnelles/effacer/"
PASSWORD = "correct horse battery staple"
ALICE_PHONE = "+33 6 12 34 56 78"
BOB_PHONE = "+32 470 12 34 56"
# What identifies Alice in text: her e-mail address, her full name both ways, her phone.
ALICE_TRACES = ("alice@a.example.org", "Alice Martin", "Martin Alice", ALICE_PHONE)
# The one model the forgetting leaves as it is, on purpose (see personal_data.SWEEP_SKIPPED).
KEPT_ON_PURPOSE = {"audit.AuditEvent"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(call, org_a, org_b, alice, bob, olivia, ada):
    """Alice (with a phone and a password) leads a dossier: she is the lead's contact, she
    invited Bob (B's contact, with his own phone), uploaded a document, submitted a version
    (frozen with her contact details) and asked for its PDF; Olivia mentions her by name in
    a comment and in the admin; Ada assessed the dossier; Olivia decided. Carol is the
    other legal representative of organisation A."""
    alice.phone = ALICE_PHONE
    alice.set_password(PASSWORD)
    alice.save()
    bob.phone = BOB_PHONE
    bob.save()
    carol = f.UserFactory(email="carol@a.example.org", first_name="Carol", last_name="Lefèvre")
    f.MembershipFactory(user=carol, organisation=org_a)

    application = f.lead_application(
        call=call,
        organisation=org_a,
        created_by=alice,
        summary="Projet porté par Alice Martin (alice@a.example.org, +33 6 12 34 56 78).",
    )
    lead = application.partners.get()
    lead.contact_name = "Alice Martin"
    lead.contact_email = "Alice@A.example.org"
    lead.contact_phone = ALICE_PHONE
    lead.save()
    partner_b = f.PartnerFactory(
        application=application,
        organisation=org_b,
        role=PartnerRole.PARTNER,
        number=2,
        contact_name="Bob Peeters",
        contact_email="bob@b.example.org",
        contact_phone=BOB_PHONE,
    )
    f.BudgetLineFactory(partner=lead, amount=Decimal("120000.00"))
    f.BudgetLineFactory(partner=partner_b, amount=Decimal("80000.00"))
    f.CofinancingFactory(partner=lead, amount=Decimal("100000.00"))
    f.InvitationFactory(
        application=application,
        email="bob@b.example.org",
        invited_by=alice,
        message="Bonjour, rejoignez notre consortium.",
        status=InvitationStatus.ACCEPTED,
        accepted_by=bob,
    )
    f.AttachmentFactory(application=application, uploaded_by=alice, original_name="statuts.pdf")
    snapshot = snapshot_freeze(application=application, results=[], actor=alice)
    StatusChange.objects.create(
        application=application,
        from_status="draft",
        to_status="submitted",
        actor=alice,
        comment="Déposé.",
    )
    StatusChange.objects.create(
        application=application,
        from_status="submitted",
        to_status="eligibility_review",
        actor=olivia,
        comment="Entretien téléphonique avec Martin Alice le 3 mars.",
    )
    GeneratedDocument.objects.create(
        kind="dossier",
        application=application,
        snapshot=snapshot,
        requested_by=alice,
        parameters={"recipients": ["alice@a.example.org"], "note": "pour Alice Martin"},
    )
    LogEntry.objects.create(
        user=olivia,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(alice.pk),
        object_repr=str(alice),
        action_flag=CHANGE,
        change_message="Téléphone de Alice Martin vérifié",
    )
    criterion = f.AssessmentCriterionFactory(call=call)
    assessment = apps.get_model("applications.Assessment").objects.create(
        application=application, assessor=ada, assigned_by=olivia, overall_comment="Solide."
    )
    apps.get_model("applications.Score").objects.create(
        assessment=assessment, criterion=criterion, score=Decimal("20"), comment="Pertinent."
    )
    apps.get_model("applications.Decision").objects.create(
        application=application,
        outcome="selected",
        amount_granted=Decimal("150000.00"),
        decided_on="2027-03-01",
        reasons="Projet solide.",
        decided_by=olivia,
    )
    Token.objects.create(user=alice)
    return {"application": application, "snapshot": snapshot, "carol": carol}


def export_of(user) -> dict:
    return json.loads(personal_data.personal_data_export_json(user=user))


def text_of(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str).lower()


# --- every relation to a person is exported ------------------------------------------------


def test_every_model_that_points_to_a_person_is_catalogued_for_the_export():
    """A new model with a foreign key to the user model must say what of it the export
    shows (``personal_data.RELATIONS``): until then this test names it."""
    missing = [
        personal_data.relation_label(model, model_field)
        for model, model_field in personal_data.user_relations()
        if personal_data.relation_label(model, model_field) not in personal_data.RELATIONS
    ]
    assert missing == []
    labels = {
        personal_data.relation_label(model, model_field)
        for model, model_field in personal_data.user_relations()
    }
    # The walk does find the relations (it is not vacuously empty).
    assert {
        "applications.Application.created_by",
        "applications.Assessment.assessor",
        "partners.Membership.user",
        "reporting.ReportAttachment.uploaded_by",
    } <= labels


def test_a_model_missing_from_the_catalogue_is_still_exported_without_its_secrets(
    world, alice, monkeypatch
):
    relations = dict(personal_data.RELATIONS)
    del relations["authtoken.Token.user"]
    del relations["applications.Attachment.uploaded_by"]
    monkeypatch.setattr(personal_data, "RELATIONS", relations)
    data = export_of(alice)
    assert data["other_records"]["applications.Attachment.uploaded_by"][0]["original_name"] == (
        "statuts.pdf"
    )
    token_rows = data["other_records"]["authtoken.Token.user"]
    assert len(token_rows) == 1
    assert Token.objects.get(user=alice).key not in text_of(data)


# --- the export ----------------------------------------------------------------------------


def test_the_export_holds_the_persons_account_memberships_dossiers_and_acts(world, alice, org_a):
    data = export_of(alice)
    reference = world["application"].reference
    assert data["account"]["email"] == "alice@a.example.org"
    assert data["account"]["first_name"] == "Alice"
    assert data["account"]["phone"] == ALICE_PHONE
    assert [m["organisation__legal_name"] for m in data["organisation_memberships"]] == [
        org_a.legal_name
    ]
    assert [row["reference"] for row in data["dossiers_created"]] == [reference]
    contact = data["dossiers_as_partner_contact"]
    assert [(row["application__reference"], row["contact_phone"]) for row in contact] == [
        (reference, ALICE_PHONE)
    ]
    assert data["invitations_sent"][0]["application__reference"] == reference
    assert data["invitations_sent"][0]["status"] == "accepted"
    assert [row["comment"] for row in data["status_changes"]] == ["Déposé."]
    assert data["versions_submitted"][0]["sha256"] == world["snapshot"].sha256
    assert data["attachments_uploaded"][0]["original_name"] == "statuts.pdf"
    assert data["documents_requested"][0]["kind"] == "dossier"
    assert data["api_token"]["exists"] is True
    assert data["format"] == personal_data.EXPORT_FORMAT


def test_the_export_holds_nothing_of_another_person(world, alice, bob):
    alices = text_of(export_of(alice))
    # Alice invited Bob, and Bob is the other partner's contact of her dossier.
    for trace in ("bob@b.example.org", "peeters", BOB_PHONE, "olivia", "ada@", "carol"):
        assert trace.lower() not in alices
    # Neither a secret: the password's hash, the token's key.
    assert alice.password.lower() not in alices
    assert Token.objects.get(user=alice).key not in alices

    bobs = text_of(export_of(bob))
    assert "bob@b.example.org" in bobs
    assert BOB_PHONE in bobs
    for trace in ALICE_TRACES:
        assert trace.lower() not in bobs
    assert "invitations_accepted" in export_of(bob)
    assert export_of(bob)["invitations_received"][0]["kind"] == "consortium"


def test_the_export_holds_the_officers_and_assessors_work(world, olivia, ada):
    officer = export_of(olivia)
    assert officer["decisions_recorded"][0]["amount_granted"] == "150000.00"
    assert officer["assessments_assigned"][0]["application__reference"] == (
        world["application"].reference
    )
    assert officer["admin_actions"][0]["change_message"] == "Téléphone de Alice Martin vérifié"
    assert [row["role"] for row in officer["authority_memberships"]] == [AuthorityRole.OFFICER]
    assessor = export_of(ada)
    assert assessor["assessments_written"][0]["overall_comment"] == "Solide."
    assert assessor["assessments_written"][0]["scores"][0]["score"] == "20.00"


def unrelated_dossiers(call, count: int) -> None:
    """Dossiers of other people, with lines, invitations and a frozen version: the export
    and the forgetting read them in the same number of queries whatever their number."""
    for _ in range(count):
        someone = f.UserFactory()
        application = f.lead_application(call=call, created_by=someone, summary="Autre projet.")
        f.BudgetLineFactory(partner=application.partners.get())
        f.InvitationFactory(application=application, invited_by=someone)
        snapshot_freeze(application=application, results=[], actor=someone)


def test_the_export_and_the_forgetting_take_as_many_queries_for_2_or_12_other_dossiers(
    world, alice, call
):
    def queries(action) -> int:
        with CaptureQueriesContext(connection) as captured:
            action()
        return len(captured)

    unrelated_dossiers(call, 2)
    few = queries(lambda: personal_data.personal_data_export(user=alice))
    unrelated_dossiers(call, 10)
    assert queries(lambda: personal_data.personal_data_export(user=alice)) == few

    # The forgetting: one scan per model, then one write per row that names the person.
    with transaction.atomic():
        sid = transaction.savepoint()
        before = queries(lambda: personal_data.person_forget(user=alice, actor=alice))
        transaction.savepoint_rollback(sid)
    alice.refresh_from_db()
    unrelated_dossiers(call, 10)
    assert queries(lambda: personal_data.person_forget(user=alice, actor=alice)) == before


def test_the_export_is_downloaded_as_a_json_file_that_no_cache_keeps(world, alice):
    response = logged_in(alice).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert ".json" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["account"]["email"] == "alice@a.example.org"


def test_the_account_page_offers_the_download_and_the_forgetting(alice):
    page = logged_in(alice).get("/compte/").content.decode()
    assert "Mes données personnelles" in page
    assert reverse("account_personal_data_export") in page
    assert reverse("account_personal_data_forget") in page


def test_the_export_holds_the_audit_events_about_the_person(world, alice, bob):
    assert logs_in("alice@a.example.org", PASSWORD)
    assert not logs_in("alice@a.example.org", "a wrong guess")
    bob.set_password(PASSWORD)
    bob.save()
    assert logs_in("bob@b.example.org", PASSWORD)

    events = export_of(alice)["audit_events"]
    assert {event["action"] for event in events} >= {"login_succeeded", "login_failed"}
    assert "bob@b.example.org" not in text_of(events)


# --- forgetting ----------------------------------------------------------------------------


def traces_left(needles) -> list[str]:
    """Every text or JSON value of every model that still holds one of ``needles``
    (case-insensitively), as "model.field #pk"."""
    found = []
    lowered = [needle.lower() for needle in needles]
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.proxy or label in KEPT_ON_PURPOSE:
            continue
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        if not columns:
            continue
        for row in model._default_manager.values("pk", *columns):
            for column in columns:
                value = row[column]
                if value in (None, ""):
                    continue
                text = value.lower() if isinstance(value, str) else text_of(value)
                if any(needle in text for needle in lowered):
                    found.append(f"{label}.{column} #{row['pk']}")
    return found


def test_forgetting_replaces_the_person_everywhere_and_keeps_the_dossiers(world, alice, bob):
    application = world["application"]
    snapshot = world["snapshot"]
    assert traces_left(ALICE_TRACES)  # the scan sees them before
    updated_before = application.updated_at
    amounts_before = sorted(BudgetLine.objects.values_list("amount", flat=True))

    result = personal_data.person_forget(user=alice, actor=alice)

    assert traces_left(ALICE_TRACES) == []
    alice.refresh_from_db()
    assert alice.get_full_name() == result.pseudonym
    assert result.pseudonym.startswith("Personne supprimée ")
    assert alice.email == result.email
    assert alice.email.endswith("@forgotten.invalid")
    assert alice.phone == ""
    assert not alice.is_active
    assert not alice.has_usable_password()

    # The dossier and its amounts are kept; the person's rows still point to the account.
    application.refresh_from_db()
    assert application.created_by_id == alice.pk
    assert application.updated_at > updated_before
    assert sorted(BudgetLine.objects.values_list("amount", flat=True)) == amounts_before
    assert StatusChange.objects.filter(actor=alice).count() == 1
    lead = application.partners.get(role=PartnerRole.LEAD)
    assert (lead.contact_name, lead.contact_email, lead.contact_phone) == (
        result.pseudonym,
        result.email,
        "",
    )
    # Bob's details stay as they were.
    partner_b = application.partners.get(role=PartnerRole.PARTNER)
    assert (partner_b.contact_name, partner_b.contact_email, partner_b.contact_phone) == (
        "Bob Peeters",
        "bob@b.example.org",
        BOB_PHONE,
    )
    assert bob.email in text_of(Snapshot.objects.get(pk=snapshot.pk).data)

    # The frozen version: its fingerprint as filed is kept, the change is recorded.
    frozen = Snapshot.objects.get(pk=snapshot.pk)
    assert frozen.sha256 == snapshot.sha256
    assert frozen.pseudonymised_at is not None
    assert frozen.pseudonymised_sha256 == fingerprint(frozen.data)
    assert frozen.pseudonymised_sha256 != frozen.sha256
    assert (frozen.total_budget, frozen.eu_requested) == (
        snapshot.total_budget,
        snapshot.eu_requested,
    )
    contacts = [partner["contact"] for partner in frozen.data["partners"]]
    assert contacts[0] == {"name": result.pseudonym, "email": result.email, "phone": ""}
    assert contacts[1]["email"] == "bob@b.example.org"
    # Free text keeps its sense.
    assert application.summary == (
        f"Projet porté par {result.pseudonym} ({result.email}, [téléphone supprimé])."
    )

    # The account is closed: memberships ended, token revoked.
    assert not Membership.objects.filter(user=alice, is_active=True).exists()
    assert not Token.objects.filter(user=alice).exists()


def logs_in(email: str, password: str) -> bool:
    """Whether the login page lets this address and password in."""
    client = Client()
    client.post(reverse("login"), {"username": email, "password": password})
    return client.get("/compte/").status_code == 200


def pdf_text(document: GeneratedDocument) -> str:
    with document.file.open("rb") as handle:
        return " ".join(page.extract_text() for page in PdfReader(handle).pages)


def test_the_pdfs_already_rendered_are_deleted_and_rendered_again(
    world, alice, django_capture_on_commit_callbacks
):
    """The dossier's PDF printed Alice's name: its file goes, and it is rendered again from
    the pseudonymised version (still carrying the fingerprint of the version as filed)."""
    snapshot = world["snapshot"]
    document = GeneratedDocument.objects.filter(kind="dossier").get()
    assert document_render(document_id=document.pk) == "done"
    document.refresh_from_db()
    old_file = document.file.name
    assert "Alice Martin" in pdf_text(document)

    with django_capture_on_commit_callbacks(execute=True):
        result = personal_data.person_forget(user=alice, actor=alice)
    assert result.documents_rendered_again == 1
    assert not default_storage.exists(old_file)
    # Rendered at once by an eager worker, or now by this one.
    assert document_render(document_id=document.pk) in ("done", "already done")
    document.refresh_from_db()
    text = pdf_text(document)
    assert document.file.name != old_file
    assert "Alice Martin" not in text
    assert "alice@a.example.org" not in text
    assert result.pseudonym in text
    assert snapshot.sha256[:16] in text.replace(" ", "").replace("\n", "")


def test_forgetting_leaves_a_namesake_and_a_lookalike_address_alone(world, alice, charlie, org_c):
    theirs = "Contact : Alice Martinez, malice@a.example.org, +33 6 12 34 56 789."
    other = f.lead_application(organisation=org_c, created_by=charlie, summary=theirs)
    personal_data.person_forget(user=alice, actor=alice)
    other.refresh_from_db()
    assert other.summary == theirs


def test_the_forgotten_person_can_no_longer_log_in_and_their_sessions_end(world, alice):
    other_device = logged_in(alice)
    assert other_device.get("/compte/").status_code == 200
    assert logs_in("alice@a.example.org", PASSWORD)

    personal_data.person_forget(user=alice, actor=alice)

    alice.refresh_from_db()
    assert not logs_in("alice@a.example.org", PASSWORD)
    assert not logs_in(alice.email, PASSWORD)
    response = other_device.get("/compte/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_audit_journal_is_kept_as_it_is_and_still_points_to_the_account(world, alice):
    assert logs_in("alice@a.example.org", PASSWORD)
    journal = apps.get_model("audit.AuditEvent").objects
    before = list(journal.filter(actor=alice).order_by("pk").values())
    assert before

    personal_data.person_forget(user=alice, actor=alice)

    kept = journal.filter(pk__in=[event["id"] for event in before]).order_by("pk")
    assert list(kept.values()) == before


def test_forgetting_an_officer_ends_their_authority_role(world, olivia):
    personal_data.person_forget(user=olivia, actor=olivia)
    assert not AuthorityMember.objects.filter(user=olivia, is_active=True).exists()
    olivia.refresh_from_db()
    assert not olivia.is_active


def test_forgetting_twice_changes_nothing_more(world, alice):
    first = personal_data.person_forget(user=alice, actor=alice)
    alice.refresh_from_db()
    snapshot = Snapshot.objects.get(pk=world["snapshot"].pk)
    again = personal_data.person_forget(user=alice, actor=alice)
    assert again.already_forgotten
    alice.refresh_from_db()
    assert (alice.email, alice.get_full_name()) == (first.email, first.pseudonym)
    assert Snapshot.objects.get(pk=snapshot.pk).pseudonymised_at == snapshot.pseudonymised_at


def test_pending_invitations_to_the_person_are_withdrawn(world, alice, dossier):
    waiting = f.InvitationFactory(application=dossier, email="alice@a.example.org")
    personal_data.person_forget(user=alice, actor=alice)
    waiting.refresh_from_db()
    assert waiting.status == InvitationStatus.REVOKED
    assert waiting.email.endswith("@forgotten.invalid")


def state_of_the_database() -> list:
    """Every row of the models the forgetting touches, to compare before and after."""
    return [
        list(User.objects.order_by("pk").values()),
        list(Partner.objects.order_by("pk").values()),
        list(Snapshot.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        list(Token.objects.order_by("pk").values()),
    ]


def test_the_last_legal_representative_is_refused_and_nothing_changes(world, alice):
    Membership.objects.filter(user=world["carol"]).update(role=MembershipRole.EDITOR)
    client = logged_in(alice)
    before = state_of_the_database()
    with pytest.raises(personal_data.ForgetRefused) as refused:
        personal_data.person_forget(user=alice, actor=alice)
    assert "Organisation A" in refused.value.message
    assert "dernier représentant légal" in refused.value.message
    assert state_of_the_database() == before

    response = client.post(FORGET, {"password": PASSWORD})
    assert response.status_code == 409
    assert "dernier représentant légal" in response.content.decode()
    assert state_of_the_database() == before


def test_a_wrong_password_is_refused_and_nothing_changes(world, alice):
    client = logged_in(alice)
    before = state_of_the_database()
    response = client.post(FORGET, {"password": "not the password"})
    assert response.status_code == 400
    assert "n&#x27;est pas celui de votre compte" in response.content.decode()
    assert state_of_the_database() == before
    assert client.get("/compte/").status_code == 200


def test_forgetting_from_the_page_asks_the_password_and_logs_out(world, alice):
    client = logged_in(alice)
    page = client.get(FORGET)
    assert page.status_code == 200
    assert 'type="password"' in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = client.post(FORGET, {"password": PASSWORD})
    assert response.status_code == 200
    assert "Vos données personnelles sont effacées" in response.content.decode()
    alice.refresh_from_db()
    assert alice.email.endswith("@forgotten.invalid")
    assert client.get("/compte/").status_code == 302


def test_forgetting_needs_the_csrf_token(world, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = state_of_the_database()
    assert client.post(FORGET, {"password": PASSWORD}).status_code == 403
    assert state_of_the_database() == before


def test_a_visitor_is_sent_to_the_login_page(world, alice):
    client = Client()
    before = state_of_the_database()
    for response in (client.get(EXPORT), client.get(FORGET), client.post(FORGET, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert state_of_the_database() == before


def test_only_the_person_may_be_forgotten(world, alice, olivia):
    before = state_of_the_database()
    with pytest.raises(PermissionError):
        personal_data.person_forget(user=alice, actor=olivia)
    assert state_of_the_database() == before
    # The pages have no identifier: what Bob downloads is Bob's.
    bob_download = json.loads(logged_in(olivia).get(EXPORT).content)
    assert bob_download["account"]["email"] == olivia.email
