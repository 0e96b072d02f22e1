"""A person's rights over their personal data (GDPR articles 15, 17 and 20): a copy of
everything the portal holds about them, and being forgotten.

Export (``personal_data_export``): the account, every row of every model that points to
the account (walked from the models' foreign keys to the user model, so a new model is not
forgotten: a model missing from ``RELATIONS`` is still exported, with its plain fields, and
a test fails until it is catalogued), the dossiers where the person is a partner's contact,
the invitations addressed to their e-mail address, whether an API token exists (never its
key), and the audit events about them when the ``audit`` app is installed. Nothing of
another person: other people's names and addresses are left out of the rows.

Forgetting (``person_forget``): dossiers are kept (the funds' rules keep them for the audit
period), so nothing is deleted. The person's name, e-mail address and phone number are
replaced by a pseudonym everywhere in the database: the account, the partners' contact
fields, free text, the frozen versions of the dossiers (JSON) and any other text or JSON
column of any model (one generic sweep); the account is deactivated with an unusable
password (every session of it ends, whatever the session engine: Django checks the
password's hash on each request), its API token is revoked and its memberships end. Rows
that point to the account stay, and show the pseudonym. The PDFs already rendered about the
dossiers touched lose their file and are rendered again from the pseudonymised data. The
audit journal is not changed (see ``SWEEP_SKIPPED``). Not reached: the files people
uploaded (a signed letter may carry the name: they are the dossier's evidence, kept as
filed) and the e-mails already sent.

The last active legal representative of an organisation is refused, as
``partners.services`` refuses to remove them: the organisation would be left without anyone
able to manage it; they name another representative first.

A frozen version (``applications.Snapshot``) keeps its ``sha256``: it is the fingerprint of
the content as filed, printed on the acknowledgement of receipt and on the PDFs issued, and
recomputing it would make them unverifiable and hide that the content changed. The
version is marked instead: ``pseudonymised_at`` says when its content was pseudonymised and
``pseudonymised_sha256`` is the fingerprint of the content it now holds, so integrity stays
checkable: ``fingerprint(data) == (pseudonymised_sha256 or sha256)``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from applications.models import Application, Assessment, Snapshot
from applications.snapshot import fingerprint
from calls.models import AuthorityMember
from partners.choices import InvitationStatus, MembershipRole
from partners.models import ColleagueInvitation, Invitation, Membership, Partner
from reporting.choices import DocumentStatus
from reporting.documents import document_retry
from reporting.models import Expenditure, GeneratedDocument, ProgressReport

from .models import User

EXPORT_FORMAT = "portal-personal-data/1"
PSEUDONYM_FIRST_NAME = "Personne"
PSEUDONYM_LAST_NAME = "supprimée"
PSEUDONYM_DOMAIN = "forgotten.invalid"
PHONE_REMOVED = "[téléphone supprimé]"

# --- the export ----------------------------------------------------------------------------

Rows = Callable[[User], list[dict]]


def _values(model_label: str, user_field: str, *fields: str) -> Rows:
    """The rows of ``model_label`` whose ``user_field`` is the person, as the named
    fields (lookups across relations allowed); one query."""

    def rows(user: User) -> list[dict]:
        model = apps.get_model(model_label)
        queryset = model.objects.filter(**{user_field: user}).order_by("pk")
        return list(queryset.values("pk", *fields))

    return rows


def _assessments(user: User) -> list[dict]:
    """The assessments the person wrote, with their scores: two queries."""
    rows = list(
        Assessment.objects.filter(assessor=user)
        .order_by("pk")
        .values(
            "pk",
            "application__reference",
            "status",
            "assigned_at",
            "no_conflict_declared_at",
            "overall_comment",
            "submitted_at",
        )
    )
    scores: dict[int, list[dict]] = {}
    for score in (
        apps.get_model("applications.Score")
        .objects.filter(assessment__assessor=user)
        .order_by("assessment_id", "criterion__position", "pk")
        .values("assessment_id", "criterion__code", "criterion__name", "score", "comment")
    ):
        scores.setdefault(score.pop("assessment_id"), []).append(score)
    for row in rows:
        row["scores"] = scores.get(row["pk"], [])
    return rows


def _reports(user: User) -> list[dict]:
    """The progress reports the person opened, with the expenditure declared in them."""
    rows = list(
        ProgressReport.objects.filter(created_by=user)
        .order_by("pk")
        .values(
            "pk",
            "application__reference",
            "number",
            "period_start",
            "period_end",
            "status",
            "overall_progress",
            "results",
            "added_value",
            "submitted_at",
            "created_at",
        )
    )
    expenditure: dict[int, list[dict]] = {}
    for item in (
        Expenditure.objects.filter(report__created_by=user)
        .order_by("report_id", "pk")
        .values("report_id", "partner__number", "cost_category", "description", "amount")
    ):
        expenditure.setdefault(item.pop("report_id"), []).append(item)
    for row in rows:
        row["expenditure"] = expenditure.get(row["pk"], [])
    return rows


def _token(user: User) -> list[dict]:
    """Whether the account has an API token, and since when: never the key."""
    return [{"exists": True, "created": created} for created in _token_created(user)]


def _token_created(user: User) -> Iterable:
    return Token.objects.filter(user=user).values_list("created", flat=True)


def _audit_events(user: User) -> list[dict]:
    """The audit journal's events about the person: those they did, those recorded under
    their address (a failed login with it, for one) and those about their account. Never
    another person's label."""
    event = apps.get_model("audit.AuditEvent")
    about = (
        Q(actor=user)
        | Q(actor_label__iexact=user.email)
        | Q(subject_type="account", subject_ref__iexact=user.email)
    )
    return list(
        event.objects.filter(about)
        .order_by("at", "pk")
        .values("at", "action", "subject_type", "subject_ref", "ip_address", "user_agent")
    )


# Every relation from a model to the user model, by "app_label.Model.field": the section
# of the export it fills and how its rows are read. Only fields about the person or
# written by them: never another person's name or address, never a secret.
RELATIONS: dict[str, tuple[str, Rows]] = {
    "admin.LogEntry.user": (
        "admin_actions",
        _values(
            "admin.LogEntry",
            "user",
            "action_time",
            "content_type__model",
            "object_id",
            "action_flag",
            "change_message",
        ),
    ),
    "authtoken.Token.user": ("api_token", _token),
    "calls.AuthorityMember.user": (
        "authority_memberships",
        _values(
            "calls.AuthorityMember", "user", "authority__name", "role", "is_active", "created_at"
        ),
    ),
    "partners.Membership.user": (
        "organisation_memberships",
        _values(
            "partners.Membership",
            "user",
            "organisation__legal_name",
            "role",
            "is_active",
            "created_at",
        ),
    ),
    "partners.Partner.commitment_signed_by": (
        "commitments_signed",
        _values(
            "partners.Partner",
            "commitment_signed_by",
            "application__reference",
            "organisation__legal_name",
            "commitment_signed_at",
        ),
    ),
    "partners.Invitation.invited_by": (
        "invitations_sent",
        _values(
            "partners.Invitation",
            "invited_by",
            "application__reference",
            "role",
            "status",
            "message",
            "created_at",
            "expires_at",
            "accepted_at",
        ),
    ),
    "partners.Invitation.accepted_by": (
        "invitations_accepted",
        _values(
            "partners.Invitation",
            "accepted_by",
            "application__reference",
            "role",
            "created_at",
            "accepted_at",
        ),
    ),
    "partners.ColleagueInvitation.invited_by": (
        "colleague_invitations_sent",
        _values(
            "partners.ColleagueInvitation",
            "invited_by",
            "organisation__legal_name",
            "role",
            "created_at",
            "expires_at",
            "accepted_at",
        ),
    ),
    "partners.ColleagueInvitation.accepted_by": (
        "colleague_invitations_accepted",
        _values(
            "partners.ColleagueInvitation",
            "accepted_by",
            "organisation__legal_name",
            "role",
            "created_at",
            "accepted_at",
        ),
    ),
    "applications.Application.created_by": (
        "dossiers_created",
        _values(
            "applications.Application",
            "created_by",
            "reference",
            "title",
            "call__reference",
            "status",
            "created_at",
            "submitted_at",
        ),
    ),
    "applications.SectionVersion.updated_by": (
        "sections_edited",
        _values(
            "applications.SectionVersion",
            "updated_by",
            "application__reference",
            "key",
            "version",
            "updated_at",
        ),
    ),
    "applications.StatusChange.actor": (
        "status_changes",
        _values(
            "applications.StatusChange",
            "actor",
            "application__reference",
            "from_status",
            "to_status",
            "comment",
            "created_at",
        ),
    ),
    "applications.Snapshot.created_by": (
        "versions_submitted",
        _values(
            "applications.Snapshot",
            "created_by",
            "application__reference",
            "number",
            "sha256",
            "created_at",
        ),
    ),
    "applications.Attachment.uploaded_by": (
        "attachments_uploaded",
        _values(
            "applications.Attachment",
            "uploaded_by",
            "application__reference",
            "document_type__code",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
        ),
    ),
    "applications.ClarificationRequest.asked_by": (
        "clarifications_asked",
        _values(
            "applications.ClarificationRequest",
            "asked_by",
            "application__reference",
            "question",
            "sections",
            "asked_at",
            "answered_at",
        ),
    ),
    "applications.ClarificationRequest.answered_by": (
        "clarifications_answered",
        _values(
            "applications.ClarificationRequest",
            "answered_by",
            "application__reference",
            "asked_at",
            "answered_at",
        ),
    ),
    "applications.EligibilityScreening.officer": (
        "eligibility_screenings",
        _values(
            "applications.EligibilityScreening",
            "officer",
            "application__reference",
            "rule__kind",
            "engine_verdict",
            "officer_verdict",
            "justification",
            "decided_at",
        ),
    ),
    "applications.Assessment.assessor": ("assessments_written", _assessments),
    "applications.Assessment.assigned_by": (
        "assessments_assigned",
        _values(
            "applications.Assessment",
            "assigned_by",
            "application__reference",
            "status",
            "assigned_at",
        ),
    ),
    "applications.Decision.decided_by": (
        "decisions_recorded",
        _values(
            "applications.Decision",
            "decided_by",
            "application__reference",
            "outcome",
            "amount_granted",
            "committee",
            "decided_on",
            "reasons",
            "conditions",
            "created_at",
        ),
    ),
    "reporting.ProgressReport.created_by": ("progress_reports_opened", _reports),
    "reporting.ReportStatusChange.actor": (
        "report_status_changes",
        _values(
            "reporting.ReportStatusChange",
            "actor",
            "report__application__reference",
            "report__number",
            "from_status",
            "to_status",
            "comment",
            "created_at",
        ),
    ),
    "reporting.GeneratedDocument.requested_by": (
        "documents_requested",
        _values(
            "reporting.GeneratedDocument",
            "requested_by",
            "kind",
            "status",
            "application__reference",
            "report__number",
            "call__reference",
            "language",
            "requested_at",
            "finished_at",
        ),
    ),
    # The sessions the account is logged in with (``portal.accounts``): never their key.
    "accounts.UserSession.user": (
        "sessions",
        _values("accounts.UserSession", "user", "created_at", "ip_address", "user_agent"),
    ),
    # The journal of the ``audit`` app, when it is installed.
    "audit.AuditEvent.actor": ("audit_events", _audit_events),
    "reporting.ReportAttachment.uploaded_by": (
        "report_attachments_uploaded",
        _values(
            "reporting.ReportAttachment",
            "uploaded_by",
            "report__application__reference",
            "report__number",
            "title",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
        ),
    ),
}

# Fields never exported by the generic fallback (secrets, fingerprints of secrets).
SECRET_FIELD = re.compile(r"password|secret|token|key|hash", re.IGNORECASE)


def user_relations() -> list[tuple[type[models.Model], models.Field]]:
    """Every field of every installed model (proxies aside) that points to the user model:
    foreign keys, one-to-ones and many-to-manys."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for model_field in model._meta.get_fields():
            pointing = model_field.is_relation and not model_field.auto_created
            if pointing and model_field.related_model is user_model:
                found.append((model, model_field))
    return found


def relation_label(model: type[models.Model], model_field: models.Field) -> str:
    return f"{model._meta.label}.{model_field.name}"


def _uncatalogued_rows(model: type[models.Model], model_field: models.Field, user) -> list[dict]:
    """A model not in ``RELATIONS`` yet: its plain fields, no relation to another person
    and no secret, so the export still tells the person it holds something about them."""
    names = [
        f.attname if f.is_relation else f.name
        for f in model._meta.concrete_fields
        if not (f.is_relation and f.related_model is apps.get_model(settings.AUTH_USER_MODEL))
        and not SECRET_FIELD.search(f.name)
        and not isinstance(f, models.FileField)
    ]
    return list(model.objects.filter(**{model_field.name: user}).order_by("pk").values(*names))


def _account(user: User) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def _partner_contacts(user: User) -> list[dict]:
    """The dossiers where the person is named as a partner's contact (their own contact
    fields only, never the other partners')."""
    return list(
        _contact_partners(user)
        .order_by("application__reference", "number")
        .values(
            "application__reference",
            "application__title",
            "application__status",
            "organisation__legal_name",
            "role",
            "contact_name",
            "contact_email",
            "contact_phone",
        )
    )


def _contact_partners(user: User):
    """The partners whose contact is the person: their e-mail address, or their full name
    in a partner that is one of their organisations (a namesake elsewhere is not them)."""
    condition = Q(contact_email__iexact=user.email)
    full_name = user.get_full_name().strip()
    if user.first_name.strip() and user.last_name.strip():
        organisations = Membership.objects.filter(user=user).values("organisation_id")
        condition |= Q(contact_name__iexact=full_name, organisation_id__in=organisations)
    return Partner.objects.filter(condition)


def _invitations_received(user: User) -> list[dict]:
    rows = [
        {"kind": "consortium", **row}
        for row in Invitation.objects.filter(email__iexact=user.email)
        .order_by("pk")
        .values("application__reference", "role", "status", "created_at", "expires_at")
    ]
    rows += [
        {"kind": "organisation", **row}
        for row in ColleagueInvitation.objects.filter(email__iexact=user.email)
        .order_by("pk")
        .values("organisation__legal_name", "role", "created_at", "expires_at", "accepted_at")
    ]
    return rows


# django-axes's records of logins and failed logins, found by the address typed.
AXES_LOGS = {
    "axes.AccessLog": ("attempt_time", "logout_time", "ip_address", "user_agent", "path_info"),
    "axes.AccessFailureLog": ("attempt_time", "ip_address", "user_agent", "locked_out"),
    "axes.AccessAttempt": ("attempt_time", "ip_address", "user_agent", "failures_since_start"),
}


def _login_records(user: User) -> dict[str, list[dict]] | None:
    if not apps.is_installed("axes"):
        return None
    return {
        label.split(".")[1]: list(
            apps.get_model(label)
            .objects.filter(username__iexact=user.email)
            .order_by("attempt_time", "pk")
            .values(*fields)
        )
        for label, fields in AXES_LOGS.items()
    }


def personal_data_export(*, user: User) -> dict:
    """Everything the portal holds about ``user``, as plain data (see the module's
    docstring). A constant number of queries for a given set of models."""
    data: dict = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "account": _account(user),
        "dossiers_as_partner_contact": _partner_contacts(user),
        "invitations_received": _invitations_received(user),
    }
    records: dict[str, list[dict]] = {}
    uncatalogued: dict[str, list[dict]] = {}
    for model, model_field in user_relations():
        label = relation_label(model, model_field)
        if label in RELATIONS:
            section, rows = RELATIONS[label]
            records[section] = rows(user)
        else:
            uncatalogued[label] = _uncatalogued_rows(model, model_field, user)
    data["api_token"] = (records.pop("api_token", None) or [{"exists": False}])[0]
    data.update(sorted(records.items()))
    login_records = _login_records(user)
    if login_records is not None:
        data["login_records"] = login_records
    if uncatalogued:
        data["other_records"] = uncatalogued
    return data


def personal_data_export_json(*, user: User) -> str:
    return json.dumps(
        personal_data_export(user=user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )


# --- forgetting ----------------------------------------------------------------------------


class ForgetRefused(Exception):
    """The person cannot be forgotten now; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ForgetResult:
    pseudonym: str
    email: str
    rows_changed: dict[str, int] = field(default_factory=dict)
    documents_rendered_again: int = 0
    already_forgotten: bool = False


def is_forgotten(user: User) -> bool:
    return user.email.endswith("@" + PSEUDONYM_DOMAIN)


@dataclass
class _Needles:
    """What identifies the person in text, and what replaces it."""

    names: list[str]
    email: str
    phone: str
    pseudonym: str
    pseudonym_email: str

    @property
    def literals(self) -> list[str]:
        return [value for value in (*self.names, self.email, self.phone) if value]

    def pattern(self) -> re.Pattern:
        """The person's name, address and phone as whole words: "Alice Martinez",
        "malice@a.example.org" or a longer number are someone else's."""
        parts = [
            r"(?<!\w)" + re.escape(name).replace(r"\ ", r"\s+") + r"(?!\w)" for name in self.names
        ]
        if self.email:
            parts.append(r"(?<![\w.+-])" + re.escape(self.email) + r"(?![\w-]|\.\w)")
        if self.phone:
            parts.append(r"(?<![\d+])" + re.escape(self.phone) + r"(?!\d)")
        return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE)

    def replace(self, text: str, *, pattern: re.Pattern) -> str:
        if self.phone and text.strip() == self.phone:
            return ""

        def substitute(match: re.Match) -> str:
            found = match.group(0)
            if found.lower() == self.email.lower():
                return self.pseudonym_email
            if self.phone and found == self.phone:
                return PHONE_REMOVED
            return self.pseudonym

        return pattern.sub(substitute, text)


def _needles(user: User, *, pseudonym: str, pseudonym_email: str) -> _Needles:
    first, last = user.first_name.strip(), user.last_name.strip()
    # A name alone ("Olivia") is too common to be replaced in every text of the portal:
    # only the full name, in both orders, is.
    names = [f"{first} {last}", f"{last} {first}"] if first and last else []
    phone = user.phone.strip()
    return _Needles(
        names=names,
        email=user.email.strip(),
        phone=phone if sum(ch.isdigit() for ch in phone) >= 6 else "",
        pseudonym=pseudonym,
        pseudonym_email=pseudonym_email,
    )


# Models the sweep never touches, and why.
SWEEP_SKIPPED = {
    "portal.User": "the account is rewritten field by field",
    "sessions.Session": "the sessions end through the password's hash",
    "authtoken.Token": "the token is deleted",
    "contenttypes.ContentType": "Django's catalogue of models",
    "auth.Permission": "Django's catalogue of permissions",
    # The audit journal is written once and never changed (a trigger refuses UPDATE on
    # PostgreSQL): it is kept for the funds' audit period, a legal obligation that
    # article 17(3)(b) and (e) of the GDPR puts before erasure. Its events stay linked to
    # the account, which shows the pseudonym.
    "audit.AuditEvent": "the audit journal is immutable and kept for the audit period",
}


def _text_fields(model: type[models.Model]) -> tuple[list[str], list[str]]:
    """The model's free text columns (no choices) and its JSON columns."""
    texts, documents = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or model_field.is_relation:
            continue
        if isinstance(model_field, models.JSONField):
            documents.append(model_field.attname)
        elif isinstance(model_field, (models.CharField, models.TextField)) and not (
            model_field.choices
        ):
            texts.append(model_field.attname)
    return texts, documents


def _json_literals(value: str) -> list[str]:
    """How ``value`` reads inside a JSON column stored as text: escaped as ASCII (SQLite,
    Django's encoder) or with its own characters (PostgreSQL's jsonb)."""
    return list({json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], value})


def _replace_in_json(value, replace: Callable[[str], str]):
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_replace_in_json(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in_json(item, replace) for key, item in value.items()}
    return value


def _sweep(needles: _Needles, *, now) -> tuple[dict[str, int], set[int]]:
    """Replace the person's name, e-mail address and phone number in every text and JSON
    column of every model. Returns the rows changed per model and the dossiers touched."""
    changed: dict[str, int] = {}
    applications_touched: set[int] = set()
    literals = needles.literals
    if not literals:
        return changed, applications_touched
    pattern = needles.pattern()

    def replace(text: str) -> str:
        return needles.replace(text, pattern=pattern)

    for model in apps.get_models():
        label = model._meta.label
        if model._meta.proxy or not model._meta.managed or label in SWEEP_SKIPPED:
            continue
        texts, documents = _text_fields(model)
        if not texts and not documents:
            continue
        condition = Q()
        annotations = {}
        for name in texts:
            for literal in literals:
                condition |= Q(**{f"{name}__icontains": literal})
        for name in documents:
            alias = f"_pd_{name}_text"
            annotations[alias] = Cast(name, models.TextField())
            for literal in literals:
                for variant in _json_literals(literal):
                    condition |= Q(**{f"{alias}__icontains": variant})
        queryset = model._base_manager.all()
        if annotations:
            queryset = queryset.annotate(**annotations)
        matches = queryset.filter(condition).select_for_update().values("pk", *texts, *documents)
        auto_now = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateTimeField) and getattr(f, "auto_now", False)
        ]
        for row in matches:
            updates = {}
            for name in texts:
                if row[name] and pattern.search(row[name]):
                    updates[name] = replace(row[name])
            for name in documents:
                if row[name] is not None:
                    new = _replace_in_json(row[name], replace)
                    if new != row[name]:
                        updates[name] = new
            if not updates:
                continue
            if model is Snapshot and "data" in updates:
                updates["pseudonymised_at"] = now
                updates["pseudonymised_sha256"] = fingerprint(updates["data"])
            for name in auto_now:
                updates[name] = now
            model._base_manager.filter(pk=row["pk"]).update(**updates)
            changed[label] = changed.get(label, 0) + 1
            application_id = _application_of(model, row["pk"])
            if application_id:
                applications_touched.add(application_id)
    return changed, applications_touched


def _application_of(model: type[models.Model], pk) -> int | None:
    """The dossier a changed row belongs to, for the models the API shows with it."""
    if model is Application:
        return pk
    if model in (Partner, Snapshot, Invitation):
        return model._base_manager.filter(pk=pk).values_list("application_id", flat=True)[0]
    return None


def _documents_rendered_again(applications: set[int], *, actor: User) -> int:
    """The PDFs already rendered about the touched dossiers (their own documents, and the
    summaries of their calls and programmes) still print the old name: their files are
    deleted once committed and they are rendered again from the pseudonymised data
    (``reporting.documents.document_retry``). Returns how many."""
    if not applications:
        return 0
    calls = Application.objects.filter(pk__in=applications).values("call_id")
    programmes = Application.objects.filter(pk__in=applications).values("call__programme_id")
    documents = list(
        GeneratedDocument.objects.select_for_update()
        .filter(
            Q(application_id__in=applications)
            | Q(call_id__in=calls)
            | Q(programme_id__in=programmes),
            status=DocumentStatus.DONE,
        )
        .only("pk", "file")
    )
    for document in documents:
        name = document.file.name
        GeneratedDocument.objects.filter(pk=document.pk).update(
            status=DocumentStatus.FAILED,
            file="",
            size=None,
            sha256="",
            error="Effacement de données personnelles : document à produire à nouveau.",
        )
        if name:
            storage = document.file.storage
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        document_retry(document=document, actor=actor)
    return len(documents)


def _refuse_last_representative(user: User) -> None:
    """Under a lock on their organisations' legal representatives: refuse when the person
    is the last active legal representative of an organisation."""
    organisations = list(
        Membership.objects.filter(
            user=user, role=MembershipRole.LEGAL_REPRESENTATIVE, is_active=True
        ).values_list("organisation_id", flat=True)
    )
    if not organisations:
        return
    representatives = list(
        Membership.objects.select_for_update()
        .filter(
            organisation_id__in=organisations,
            role=MembershipRole.LEGAL_REPRESENTATIVE,
            is_active=True,
        )
        .values_list("organisation_id", "user_id", "organisation__legal_name")
    )
    alone = sorted(
        {
            name
            for organisation_id, _user_id, name in representatives
            if all(
                other_user == user.pk
                for other_organisation, other_user, _name in representatives
                if other_organisation == organisation_id
            )
        }
    )
    if alone:
        raise ForgetRefused(
            _(
                "Vous êtes le dernier représentant légal de : %(organisations)s. Désignez "
                "d'abord un autre représentant légal, puis demandez à nouveau l'effacement de "
                "vos données."
            )
            % {"organisations": ", ".join(alone)}
        )


def person_forget(*, user: User, actor: User) -> ForgetResult:
    """Forget ``user`` at their own request (``actor`` is the person: nobody else may):
    see the module's docstring. One transaction; a second call changes nothing. Raises
    ``ForgetRefused`` when the person is the last legal representative of an
    organisation, and ``PermissionError`` when ``actor`` is someone else."""
    if actor.pk != user.pk:
        raise PermissionError("Only the person may ask to be forgotten.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_forgotten(user):
            return ForgetResult(
                pseudonym=user.get_full_name(), email=user.email, already_forgotten=True
            )
        _refuse_last_representative(user)
        now = timezone.now()
        code = secrets.token_hex(2).upper()
        pseudonym = f"{PSEUDONYM_FIRST_NAME} {PSEUDONYM_LAST_NAME} {code}"
        pseudonym_email = f"forgotten-{secrets.token_hex(8)}@{PSEUDONYM_DOMAIN}"
        needles = _needles(user, pseudonym=pseudonym, pseudonym_email=pseudonym_email)

        # The partners' contact fields where the contact is the person, as whole fields.
        contacts = list(_contact_partners(user).values_list("pk", "application_id"))
        Partner.objects.filter(pk__in=[pk for pk, _application in contacts]).update(
            contact_name=pseudonym, contact_email=pseudonym_email, contact_phone=""
        )
        # Invitations still waiting for the person's answer are withdrawn.
        Invitation.objects.filter(email__iexact=user.email, status=InvitationStatus.PENDING).update(
            status=InvitationStatus.REVOKED
        )

        changed, touched = _sweep(needles, now=now)
        touched |= {application for _pk, application in contacts}
        if contacts:
            changed["partners.Partner"] = changed.get("partners.Partner", 0) + len(contacts)
        # Clients that synchronise incrementally (``updated_since``) fetch them again.
        Application.objects.filter(pk__in=touched).update(updated_at=now)
        rendered_again = _documents_rendered_again(touched, actor=user)

        Membership.objects.filter(user=user, is_active=True).update(is_active=False)
        AuthorityMember.objects.filter(user=user, is_active=True).update(is_active=False)
        Token.objects.filter(user=user).delete()
        if apps.is_installed("portal.accounts"):
            # The sessions recorded against the account end at once (their rows go).
            from portal.accounts.sessions import sessions_end_all

            sessions_end_all(user=user, revoke_token=True)

        user.first_name = PSEUDONYM_FIRST_NAME
        user.last_name = f"{PSEUDONYM_LAST_NAME} {code}"
        user.email = pseudonym_email
        user.phone = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        # A new unusable password changes the hash every session is checked against:
        # all of the person's sessions end, on every device.
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        return ForgetResult(
            pseudonym=pseudonym,
            email=pseudonym_email,
            rows_changed=changed,
            documents_rendered_again=rendered_again,
        )
