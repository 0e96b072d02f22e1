"""Writes on organisations and their members: registering an organisation, asking to join
one, approving or refusing the request, changing roles, inviting colleagues.

Every write takes the acting user, checks their right through ``partners.permissions``,
runs in one transaction and sends its e-mails once the transaction is committed. A write
the actor may not make, or not now, raises ``ServiceRefused`` with a message to show; a
form's data that the model refuses raises ``ValidationError`` with the model's messages.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, UniqueConstraint
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .choices import InvitationStatus, MembershipRole, PartnerRole
from .models import (
    COLLEAGUE_INVITATION_VALIDITY,
    ColleagueInvitation,
    Invitation,
    Membership,
    Organisation,
    Partner,
    hash_token,
)
from .permissions import invitable_roles, is_legal_representative, is_member
from .validators import compact, compact_be_enterprise_number


class ServiceRefused(Exception):
    """A write the actor may not make, or not now: the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the identifiers of an organisation ----------------------------------------------------


def identifier_requirement_errors(
    *,
    country: str,
    siret: str = "",
    enterprise_number: str = "",
    vat_number: str = "",
    pic: str = "",
    oid: str = "",
) -> dict[str, str]:
    """The identifier an organisation of ``country`` must give, when it is missing: the
    SIRET in France, the enterprise number in Belgium, elsewhere at least one of VAT number,
    PIC or OID. Keyed by the field that should hold it."""
    if not country:
        return {}
    if country == "FR" and not siret:
        return {
            "siret": _(
                "Indiquez le SIRET de l'organisation : il est obligatoire pour une organisation "
                "établie en France."
            )
        }
    if country == "BE" and not enterprise_number:
        return {
            "enterprise_number": _(
                "Indiquez le numéro d'entreprise (BCE/KBO) de l'organisation : il est "
                "obligatoire pour une organisation établie en Belgique."
            )
        }
    if country not in {"FR", "BE"} and not (vat_number or pic or oid):
        return {
            "vat_number": _(
                "Indiquez au moins un identifiant de l'organisation : numéro de TVA "
                "intracommunautaire, code PIC ou identifiant Erasmus+ (OID)."
            )
        }
    return {}


def _unique_identifier_messages() -> dict[str, str]:
    """The message of each unique identifier's constraint (in the active language), with
    the field it is about."""
    return {
        str(constraint.violation_error_message): constraint.fields[0]
        for constraint in Organisation._meta.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.fields) == 1
    }


def duplicate_identifier_field(error: ValidationError) -> str | None:
    """The identifier field a non-field error is about when it is the violation of an
    identifier's uniqueness ("déjà inscrite"), else None."""
    return _unique_identifier_messages().get(str(error.message))


def organisation_errors(organisation: Organisation) -> dict[str, list[ValidationError]]:
    """Every reason to refuse ``organisation`` as typed, by field: the model's own checks
    (check digits, country, NUTS, uniqueness: a duplicate identifier is reported on its
    field), then the identifier its country requires."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        # The bank details are not typed on these pages: an IBAN set by an officer in the
        # admin is not the applicant's to fix here.
        organisation.full_clean(exclude={"iban"})
    except ValidationError as error:
        for field, field_errors in error.error_dict.items():
            for field_error in field_errors:
                target = field
                if field == NON_FIELD_ERRORS:
                    target = duplicate_identifier_field(field_error) or field
                errors.setdefault(target, []).append(field_error)
    missing = identifier_requirement_errors(
        country=organisation.country,
        siret=organisation.siret,
        enterprise_number=organisation.enterprise_number,
        vat_number=organisation.vat_number,
        pic=organisation.pic,
        oid=organisation.oid,
    )
    for field, message in missing.items():
        errors.setdefault(field, []).append(ValidationError(message, code="required"))
    return errors


def _save_checked(organisation: Organisation) -> None:
    """Check ``organisation`` and save it; a duplicate that another request saved in the
    meantime is refused with the same message as one found by the check."""
    organisation.siren = ""  # derived from the SIRET on save, never typed
    errors = organisation_errors(organisation)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        errors = organisation_errors(organisation)
        if errors:
            raise ValidationError(errors) from None
        raise


# --- registering and editing an organisation -----------------------------------------------


def organisation_register(*, actor, **fields) -> Organisation:
    """Register a new organisation, with ``actor`` as its legal representative, in one
    transaction. Refuses with the model's messages (``ValidationError``), among which the
    one that says an organisation with this identifier is already registered."""
    with transaction.atomic():
        organisation = Organisation(**fields)
        _save_checked(organisation)
        Membership.objects.create(
            user=actor,
            organisation=organisation,
            role=MembershipRole.LEGAL_REPRESENTATIVE,
            is_active=True,
        )
    return organisation


def organisation_update(*, organisation: Organisation, actor, **fields) -> Organisation:
    """Change an organisation's details and identifiers: its legal representatives only."""
    if not is_legal_representative(actor, organisation):
        raise ServiceRefused(
            _("Seul un représentant légal de l'organisation peut modifier sa fiche.")
        )
    for name, value in fields.items():
        setattr(organisation, name, value)
    with transaction.atomic():
        _save_checked(organisation)
    return organisation


# --- joining an organisation ---------------------------------------------------------------

_OID = re.compile(r"^E\d{8}$")


def _identifier_lookup(value: str) -> Q | None:
    """Where an identifier typed in any usual form may be found: a SIRET (14 digits), a
    SIREN or a PIC (9 digits), a Belgian enterprise number (10 digits, 9 before 2005, with or
    without BE), a VAT number (a French one also names its SIREN), an OID."""
    value = compact(value)
    if len(value) < 4:
        return None
    lookup = Q(vat_number=value)
    if value.isdigit() and len(value) == 14:
        lookup |= Q(siret=value)
    if value.isdigit() and len(value) == 9:
        lookup |= Q(siren=value) | Q(pic=value)
    enterprise_number = compact_be_enterprise_number(value)
    if enterprise_number.isdigit() and len(enterprise_number) == 10:
        lookup |= Q(enterprise_number=enterprise_number)
    if value.startswith("FR") and len(value) == 13 and value[4:].isdigit():
        lookup |= Q(siren=value[4:])
    if _OID.match(value):
        lookup |= Q(oid=value)
    return lookup


def organisation_find(*, identifier: str) -> Organisation:
    """The organisation that bears ``identifier``, whatever the way it is typed. Refuses
    when none does, or when several do (a SIREN shared by several establishments)."""
    lookup = _identifier_lookup(identifier)
    found = (
        list(Organisation.objects.filter(lookup).only("pk", "legal_name", "city")[:2])
        if lookup is not None
        else []
    )
    if not found:
        raise ServiceRefused(
            _(
                "Aucune organisation inscrite sur le portail ne porte l'identifiant "
                "« %(identifier)s ». Vérifiez-le, ou inscrivez votre organisation."
            )
            % {"identifier": identifier.strip()}
        )
    if len(found) > 1:
        raise ServiceRefused(
            _(
                "Plusieurs organisations inscrites portent l'identifiant « %(identifier)s » "
                "(plusieurs établissements d'une même entreprise, par exemple) : indiquez le "
                "SIRET de votre établissement."
            )
            % {"identifier": identifier.strip()}
        )
    return found[0]


def membership_request(*, organisation: Organisation, actor, site_url: str) -> Membership:
    """``actor`` asks to join ``organisation``: a pending (inactive) membership as editor,
    and an e-mail to each of its active legal representatives, who approve or refuse it on
    the organisation's page. ``site_url`` is the portal's address, for the link."""
    with transaction.atomic():
        existing = Membership.objects.filter(user=actor, organisation=organisation).first()
        if existing is not None and existing.is_active:
            raise ServiceRefused(
                _("Vous êtes déjà membre de %(organisation)s.")
                % {"organisation": organisation.legal_name}
            )
        if existing is not None:
            raise ServiceRefused(
                _(
                    "Vous avez déjà demandé à rejoindre %(organisation)s : votre demande attend "
                    "l'accord d'un représentant légal de l'organisation."
                )
                % {"organisation": organisation.legal_name}
            )
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=actor,
                    organisation=organisation,
                    role=MembershipRole.EDITOR,
                    is_active=False,
                )
        except IntegrityError:
            # The same request sent twice at once: the first one was recorded.
            raise ServiceRefused(
                _(
                    "Vous avez déjà demandé à rejoindre %(organisation)s : votre demande attend "
                    "l'accord d'un représentant légal de l'organisation."
                )
                % {"organisation": organisation.legal_name}
            ) from None
        transaction.on_commit(
            lambda: send_membership_request(membership_id=membership.pk, site_url=site_url)
        )
    return membership


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path


def send_membership_request(*, membership_id: int, site_url: str) -> int:
    """E-mail a request to join to the organisation's active legal representatives, each
    in their language, with the link to the page where they approve or refuse it. Returns
    the number of messages sent."""
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership_id)
    organisation = membership.organisation
    representatives = (
        Membership.objects.filter(
            organisation=organisation,
            role=MembershipRole.LEGAL_REPRESENTATIVE,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__email")
    )
    sent = 0
    for representative in representatives:
        with translation.override(representative.user.preferred_language):
            context = {
                "applicant": membership.user,
                "organisation": organisation,
                "link": _absolute(site_url, reverse("partners:detail", args=[organisation.pk])),
            }
            subject = _("%(person)s demande à rejoindre %(organisation)s") % {
                "person": membership.user.get_full_name() or membership.user.email,
                "organisation": organisation.legal_name,
            }
            body = render_to_string("partners/email/membership_request.txt", context)
        sent += send_mail(subject, body, None, [representative.user.email])
    return sent


def _pending_request(membership: Membership, actor) -> None:
    if not is_legal_representative(actor, membership.organisation):
        raise ServiceRefused(
            _(
                "Seul un représentant légal de l'organisation peut accepter ou refuser une "
                "demande d'adhésion."
            )
        )


def membership_approve(*, membership: Membership, actor, site_url: str) -> Membership:
    """A legal representative approves a request to join: the membership becomes active
    (compare-and-set: a request handled in the meantime is refused), and the person is told
    by e-mail."""
    _pending_request(membership, actor)
    with transaction.atomic():
        updated = Membership.objects.filter(pk=membership.pk, is_active=False).update(
            is_active=True
        )
        if not updated:
            raise ServiceRefused(_("Cette demande d'adhésion a déjà été traitée."))
        transaction.on_commit(
            lambda: send_membership_approved(membership_id=membership.pk, site_url=site_url)
        )
    membership.is_active = True
    return membership


def send_membership_approved(*, membership_id: int, site_url: str) -> int:
    membership = Membership.objects.select_related("user", "organisation").get(pk=membership_id)
    with translation.override(membership.user.preferred_language):
        context = {
            "membership": membership,
            "organisation": membership.organisation,
            "link": _absolute(
                site_url, reverse("partners:detail", args=[membership.organisation_id])
            ),
        }
        subject = _("Vous êtes membre de %(organisation)s") % {
            "organisation": membership.organisation.legal_name
        }
        body = render_to_string("partners/email/membership_approved.txt", context)
    return send_mail(subject, body, None, [membership.user.email])


def membership_refuse(*, membership: Membership, actor) -> None:
    """A legal representative refuses a request to join (or removes an inactive member):
    the membership is deleted, if it is still inactive."""
    _pending_request(membership, actor)
    with transaction.atomic():
        deleted, _rows = Membership.objects.filter(pk=membership.pk, is_active=False).delete()
        if not deleted:
            raise ServiceRefused(_("Cette demande d'adhésion a déjà été traitée."))


# --- managing members ----------------------------------------------------------------------


def _check_manager(actor, organisation: Organisation) -> None:
    if not is_legal_representative(actor, organisation):
        raise ServiceRefused(
            _("Seul un représentant légal de l'organisation peut gérer ses membres.")
        )


def _refuse_losing_last_representative(membership: Membership) -> None:
    """Under a lock on the organisation's active legal representatives: refuse a change
    that would leave the organisation without one."""
    representatives = list(
        Membership.objects.select_for_update()
        .filter(
            organisation_id=membership.organisation_id,
            role=MembershipRole.LEGAL_REPRESENTATIVE,
            is_active=True,
        )
        .values_list("pk", flat=True)
    )
    if representatives == [membership.pk]:
        raise ServiceRefused(
            _(
                "%(person)s est le dernier représentant légal de l'organisation : désignez "
                "d'abord un autre représentant légal."
            )
            % {"person": membership.user.get_full_name() or membership.user.email}
        )


def membership_change_role(*, membership: Membership, role: str, actor) -> Membership:
    """A legal representative changes a member's role; the last legal representative keeps
    theirs."""
    _check_manager(actor, membership.organisation)
    if role not in MembershipRole.values:
        raise ServiceRefused(_("Ce rôle n'existe pas."))
    with transaction.atomic():
        if role != MembershipRole.LEGAL_REPRESENTATIVE:
            _refuse_losing_last_representative(membership)
        updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(role=role)
        if not updated:
            raise ServiceRefused(_("Ce membre n'est plus actif dans l'organisation."))
    membership.role = role
    return membership


def membership_deactivate(*, membership: Membership, actor) -> Membership:
    """A legal representative deactivates a member (possibly themself), never the last
    legal representative."""
    _check_manager(actor, membership.organisation)
    with transaction.atomic():
        _refuse_losing_last_representative(membership)
        updated = Membership.objects.filter(pk=membership.pk, is_active=True).update(
            is_active=False
        )
        if not updated:
            raise ServiceRefused(_("Ce membre n'est plus actif dans l'organisation."))
    membership.is_active = False
    return membership


# --- inviting colleagues -------------------------------------------------------------------


def colleague_invite(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor,
    site_url: str,
    now: datetime | None = None,
) -> ColleagueInvitation:
    """An active member invites a colleague by e-mail, as editor or contact (a legal
    representative may also invite a legal representative). The e-mail carries the only
    copy of the token; the returned invitation keeps it in ``token`` for the caller."""
    now = now or timezone.now()
    email = email.strip().lower()
    if not is_member(actor, organisation):
        raise ServiceRefused(
            _("Seuls les membres de l'organisation peuvent y inviter des collègues.")
        )
    if role not in invitable_roles(
        is_legal_representative=is_legal_representative(actor, organisation)
    ):
        raise ServiceRefused(
            _("Seul un représentant légal peut inviter un autre représentant légal.")
        )
    if Membership.objects.filter(
        organisation=organisation, user__email__iexact=email, is_active=True
    ).exists():
        raise ServiceRefused(
            _("La personne à l'adresse %(email)s est déjà membre de l'organisation.")
            % {"email": email}
        )
    token = secrets.token_urlsafe(32)
    language = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        invitation = ColleagueInvitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + COLLEAGUE_INVITATION_VALIDITY,
        )
        transaction.on_commit(
            lambda: send_colleague_invitation(
                invitation_id=invitation.pk, token=token, language=language, site_url=site_url
            )
        )
    invitation.token = token
    return invitation


def send_colleague_invitation(
    *, invitation_id: int, token: str, language: str, site_url: str
) -> int:
    invitation = ColleagueInvitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    with translation.override(language):
        context = {
            "invitation": invitation,
            "organisation": invitation.organisation,
            "inviter": invitation.invited_by,
            "role": invitation.get_role_display(),
            "expires_at": formats.date_format(
                timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"
            ),
            "link": _absolute(site_url, reverse("partners:accept_colleague", args=[token])),
        }
        subject = _(
            "Invitation à rejoindre %(organisation)s sur le Portail des fonds européens"
        ) % {"organisation": invitation.organisation.legal_name}
        body = render_to_string("partners/email/colleague_invitation.txt", context)
    return send_mail(subject, body, None, [invitation.email])


class InvitationUnusable(ServiceRefused):
    """The link is wrong, expired or already used."""


def colleague_invitation_for(*, token: str, now: datetime | None = None) -> ColleagueInvitation:
    """The invitation the link's token was made for, while it may be accepted; refuses a
    wrong, expired or used link with a message that says which."""
    now = now or timezone.now()
    invitation = (
        ColleagueInvitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(
            _(
                "Ce lien d'invitation n'est pas valable. Vérifiez que vous avez copié le lien "
                "complet, ou demandez à votre collègue de vous inviter à nouveau."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            _(
                "Cette invitation a déjà été acceptée. Si vous l'avez acceptée vous-même, "
                "l'organisation figure parmi les vôtres."
            )
        )
    if now >= invitation.expires_at:
        raise InvitationUnusable(
            _(
                "Cette invitation a expiré le %(expires)s. Demandez à votre collègue de vous "
                "inviter à nouveau."
            )
            % {
                "expires": formats.date_format(
                    timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"
                )
            }
        )
    return invitation


def colleague_invitation_accept(*, token: str, actor, now: datetime | None = None) -> Membership:
    """``actor`` accepts the invitation: if their account's e-mail address is the invited
    one (whatever its case), they become an active member with the role offered, and the
    invitation is used (compare-and-set: accepted once)."""
    now = now or timezone.now()
    invitation = colleague_invitation_for(token=token, now=now)
    if actor.email.lower() != invitation.email.lower():
        raise ServiceRefused(
            _(
                "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre "
                "compte. Connectez-vous avec le compte de l'adresse invitée, ou demandez une "
                "invitation à votre adresse."
            )
        )
    with transaction.atomic():
        existing = (
            Membership.objects.select_for_update()
            .filter(user=actor, organisation=invitation.organisation)
            .first()
        )
        if existing is not None and existing.is_active:
            raise ServiceRefused(
                _("Vous êtes déjà membre de %(organisation)s.")
                % {"organisation": invitation.organisation.legal_name}
            )
        used = ColleagueInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=actor)
        if not used:
            raise InvitationUnusable(_("Cette invitation a déjà été acceptée."))
        if existing is not None:
            # A pending request to join: the invitation answers it.
            existing.role = invitation.role
            existing.is_active = True
            existing.save(update_fields=["role", "is_active"])
            return existing
        return Membership.objects.create(
            user=actor,
            organisation=invitation.organisation,
            role=invitation.role,
            is_active=True,
        )


# --- the consortium of a dossier: inviting partners, their place, their commitment ---------

PARTNER_INVITATION_VALIDITY = timedelta(days=14)


def _say(instant: datetime) -> str:
    return formats.date_format(timezone.localtime(instant), "DATETIME_FORMAT")


def _locked_access(application, actor, *, section: str | None = None):
    """The dossier's row locked until the end of the transaction (consortium changes of one
    dossier happen one at a time, and never during a submission, which takes the same lock),
    and what ``actor`` may do with it, read after the lock."""
    from applications.models import Application
    from applications.permissions import dossier_access

    Application.objects.select_for_update().filter(pk=application.pk).first()
    try:
        return dossier_access(actor, application.reference, section=section)
    except Http404:
        raise ServiceRefused(_("Ce dossier n'existe pas ou vous n'y avez pas accès.")) from None


def _not_editable(access) -> str:
    return _("Ce dossier est à l'état « %(status)s » : son partenariat ne se modifie plus.") % {
        "status": access.application.get_status_display()
    }


def _check_manager_of_consortium(access) -> None:
    if not access.is_editable:
        raise ServiceRefused(_not_editable(access))
    if not access.can_manage_consortium:
        raise ServiceRefused(
            _(
                "Seuls les membres du chef de file peuvent inviter ou retirer des partenaires "
                "et changer de chef de file."
            )
        )


def _check_member_of_partner(access, partner: Partner) -> None:
    if not access.is_editable:
        raise ServiceRefused(_not_editable(access))
    if not access.can_edit_partner(partner):
        raise ServiceRefused(
            _("Seuls les membres de %(organisation)s peuvent remplir sa partie du dossier.")
            % {"organisation": partner.organisation.legal_name}
        )


def partner_invite(
    *,
    application,
    email: str,
    message: str = "",
    actor,
    site_url: str,
    now: datetime | None = None,
) -> Invitation:
    """A member of the lead organisation invites a partner organisation's contact, by
    e-mail, into the consortium of a draft dossier. Refused for an address already invited
    and still waiting, and for a member of an organisation already in the consortium. The
    link is valid 14 days; the e-mail (in the invitee's language when they have an account,
    else in the inviter's) carries the only copy of the token, kept on the returned
    invitation in ``token`` for the caller."""
    from portal.models import User

    now = now or timezone.now()
    email = email.strip().lower()
    with transaction.atomic():
        access = _locked_access(application, actor)
        _check_manager_of_consortium(access)
        if Invitation.objects.filter(
            application=application,
            email__iexact=email,
            status=InvitationStatus.PENDING,
            expires_at__gt=now,
        ).exists():
            raise ServiceRefused(
                _(
                    "Une invitation envoyée à %(email)s attend déjà une réponse. Annulez-la "
                    "d'abord si vous voulez en envoyer une nouvelle."
                )
                % {"email": email}
            )
        member = (
            Membership.objects.filter(
                user__email__iexact=email,
                is_active=True,
                organisation__partnerships__application=application,
            )
            .select_related("organisation")
            .first()
        )
        if member is not None:
            raise ServiceRefused(
                _(
                    "La personne à l'adresse %(email)s est membre de %(organisation)s, qui fait "
                    "déjà partie du partenariat de ce dossier."
                )
                % {"email": email, "organisation": member.organisation.legal_name}
            )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            application=application,
            email=email,
            role=PartnerRole.PARTNER,
            message=message.strip(),
            token_hash=hash_token(token),
            invited_by=actor,
            expires_at=max(now, timezone.now()) + PARTNER_INVITATION_VALIDITY,
        )
        language = (
            User.objects.filter(email__iexact=email, is_active=True)
            .values_list("preferred_language", flat=True)
            .first()
            or translation.get_language()
            or settings.LANGUAGE_CODE
        )
        transaction.on_commit(
            lambda: send_partner_invitation(
                invitation_id=invitation.pk, token=token, language=language, site_url=site_url
            )
        )
    invitation.token = token
    return invitation


def send_partner_invitation(*, invitation_id: int, token: str, language: str, site_url: str) -> int:
    """E-mail the invitation with its link to the invited address, in ``language``."""
    invitation = Invitation.objects.select_related("application__call", "invited_by").get(
        pk=invitation_id
    )
    application = invitation.application
    lead = (
        Partner.objects.filter(application=application, role=PartnerRole.LEAD)
        .select_related("organisation")
        .first()
    )
    with translation.override(language):
        context = {
            "invitation": invitation,
            "application": application,
            "call": application.call,
            "lead": lead.organisation if lead else None,
            "inviter": invitation.invited_by,
            "expires_at": _say(invitation.expires_at),
            "link": _absolute(site_url, reverse("applications:invitation_accept", args=[token])),
        }
        subject = _("Invitation à rejoindre le partenariat du projet %(project)s") % {
            "project": application.acronym or application.title
        }
        body = render_to_string("applications/email/invitation.txt", context)
    return send_mail(subject, body, None, [invitation.email])


def partner_invitation_for(*, token: str, now: datetime | None = None) -> Invitation:
    """The invitation the link's token was made for, while it may be accepted; refuses a
    wrong, cancelled, used or expired link, or one to a dossier no longer a draft, with a
    message that says which."""
    from applications.permissions import EDITABLE_STATUSES

    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("application__call", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(
            _(
                "Ce lien d'invitation n'est pas valable. Vérifiez que vous avez copié le lien "
                "complet, ou demandez au chef de file de vous inviter à nouveau."
            )
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationUnusable(
            _(
                "Cette invitation a déjà été acceptée. Si vous l'avez acceptée vous-même, le "
                "dossier figure dans votre tableau de bord."
            )
        )
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationUnusable(
            _(
                "Cette invitation a été annulée par le chef de file. Contactez-le si vous "
                "pensez qu'il s'agit d'une erreur."
            )
        )
    if now >= invitation.expires_at:
        raise InvitationUnusable(
            _(
                "Cette invitation a expiré le %(expires)s. Demandez au chef de file de vous "
                "inviter à nouveau."
            )
            % {"expires": _say(invitation.expires_at)}
        )
    if invitation.application.status not in EDITABLE_STATUSES:
        raise InvitationUnusable(
            _(
                "Le dossier %(reference)s est à l'état « %(status)s » : son partenariat ne se "
                "modifie plus et l'invitation ne peut plus être acceptée."
            )
            % {
                "reference": invitation.application.reference,
                "status": invitation.application.get_status_display(),
            }
        )
    return invitation


def partner_invitation_accept(
    *, token: str, actor, organisation: Organisation, now: datetime | None = None
) -> Partner:
    """``actor``, an active member of ``organisation``, accepts the invitation in its name:
    the organisation joins the consortium as a partner with the next number, ``actor`` as
    its contact, and the invitation is used. The invitation's row is locked, so a double
    click creates one partner; the dossier's row too, so two invitations accepted at the
    same time get different numbers."""
    from applications.models import Application
    from applications.permissions import EDITABLE_STATUSES

    now = now or timezone.now()
    partner_invitation_for(token=token, now=now)
    if not is_member(actor, organisation):
        raise ServiceRefused(
            _(
                "Vous n'êtes pas membre de %(organisation)s : choisissez une de vos "
                "organisations, ou rejoignez d'abord celle-ci."
            )
            % {"organisation": organisation.legal_name}
        )
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(token_hash=hash_token(token))
        if invitation.status == InvitationStatus.ACCEPTED:
            raise InvitationUnusable(_("Cette invitation a déjà été acceptée."))
        if invitation.status != InvitationStatus.PENDING or now >= invitation.expires_at:
            raise InvitationUnusable(_("Cette invitation n'est plus valable."))
        application = Application.objects.select_for_update().get(pk=invitation.application_id)
        if application.status not in EDITABLE_STATUSES:
            raise InvitationUnusable(
                _("Ce dossier n'est plus un brouillon : l'invitation ne peut plus être acceptée.")
            )
        if Partner.objects.filter(application=application, organisation=organisation).exists():
            raise ServiceRefused(
                _(
                    "%(organisation)s fait déjà partie du partenariat de ce dossier : choisissez "
                    "une autre organisation."
                )
                % {"organisation": organisation.legal_name}
            )
        last = Partner.objects.filter(application=application).aggregate(n=Max("number"))["n"]
        partner = Partner.objects.create(
            application=application,
            organisation=organisation,
            role=invitation.role or PartnerRole.PARTNER,
            number=(last or 0) + 1,
            contact_name=actor.get_full_name(),
            contact_email=actor.email,
        )
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = now
        invitation.accepted_by = actor
        invitation.partner = partner
        invitation.save(update_fields=["status", "accepted_at", "accepted_by", "partner"])
    return partner


def partner_invitation_cancel(*, invitation: Invitation, actor) -> Invitation:
    """A member of the lead cancels an invitation still waiting: its link stops working."""
    with transaction.atomic():
        access = _locked_access(invitation.application, actor)
        _check_manager_of_consortium(access)
        cancelled = Invitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.PENDING
        ).update(status=InvitationStatus.REVOKED)
        if not cancelled:
            raise ServiceRefused(
                _("Cette invitation n'attend plus de réponse : elle ne peut pas être annulée.")
            )
    invitation.status = InvitationStatus.REVOKED
    return invitation


def partner_remove(*, partner: Partner, actor) -> None:
    """A member of the lead removes a partner (never the lead itself) from a draft's
    consortium, with its budget lines, co-financing plan and attachments. The other
    partners keep their numbers."""
    with transaction.atomic():
        access = _locked_access(partner.application, actor)
        _check_manager_of_consortium(access)
        current = next((p for p in access.partners if p.pk == partner.pk), None)
        if current is None:
            raise ServiceRefused(_("Ce partenaire ne fait plus partie du dossier."))
        if current.is_lead:
            raise ServiceRefused(
                _(
                    "Le chef de file ne peut pas être retiré du partenariat : désignez d'abord "
                    "un autre chef de file."
                )
            )
        from applications.models import Attachment

        files = list(
            Attachment.objects.filter(partner=current)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        Partner.objects.filter(pk=current.pk).delete()
        # The rows go with the partner; their stored files once the removal is committed.
        transaction.on_commit(lambda: _delete_stored_files(files))


def _delete_stored_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def partner_make_lead(*, partner: Partner, actor) -> Partner:
    """A member of the lead makes another partner the lead of a draft: the former lead
    becomes a partner first, then the new one becomes the lead, in one transaction (the
    database admits only one lead per dossier). The former lead's members then read the
    shared sections; they no longer edit them."""
    with transaction.atomic():
        access = _locked_access(partner.application, actor)
        _check_manager_of_consortium(access)
        current = next((p for p in access.partners if p.pk == partner.pk), None)
        if current is None:
            raise ServiceRefused(_("Ce partenaire ne fait plus partie du dossier."))
        if current.is_lead:
            raise ServiceRefused(
                _("%(organisation)s est déjà le chef de file de ce dossier.")
                % {"organisation": current.organisation.legal_name}
            )
        Partner.objects.filter(application=partner.application_id, role=PartnerRole.LEAD).update(
            role=PartnerRole.PARTNER
        )
        Partner.objects.filter(pk=current.pk).update(role=PartnerRole.LEAD)
    partner.role = PartnerRole.LEAD
    return partner


def partner_sign_commitment(*, partner: Partner, actor, now: datetime | None = None) -> Partner:
    """An active member of the partner's organisation signs its commitment letter on a
    draft: who and when are recorded. Signed once."""
    now = now or timezone.now()
    with transaction.atomic():
        access = _locked_access(partner.application, actor, section="consortium")
        current = next((p for p in access.partners if p.pk == partner.pk), None)
        if current is None:
            raise ServiceRefused(_("Ce partenaire ne fait plus partie du dossier."))
        _check_member_of_partner(access, current)
        signed = Partner.objects.filter(pk=current.pk, commitment_signed_at__isnull=True).update(
            commitment_signed_at=now, commitment_signed_by=actor
        )
        if not signed:
            done = Partner.objects.select_related("commitment_signed_by").get(pk=current.pk)
            who = done.commitment_signed_by
            raise ServiceRefused(
                _("La lettre d'engagement a déjà été signée par %(who)s le %(when)s.")
                % {
                    "who": (who.get_full_name() or who.email) if who else _("quelqu'un"),
                    "when": _say(done.commitment_signed_at),
                }
            )
    partner.commitment_signed_at = now
    partner.commitment_signed_by = actor
    return partner


def partner_update_contact(
    *,
    partner: Partner,
    actor,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
) -> Partner:
    """A member of the partner's organisation changes its contact for this dossier (a
    draft). Only these three columns are written."""
    with transaction.atomic():
        access = _locked_access(partner.application, actor, section="consortium")
        current = next((p for p in access.partners if p.pk == partner.pk), None)
        if current is None:
            raise ServiceRefused(_("Ce partenaire ne fait plus partie du dossier."))
        _check_member_of_partner(access, current)
        partner.contact_name = contact_name.strip()
        partner.contact_email = contact_email.strip()
        partner.contact_phone = contact_phone.strip()
        partner.save(update_fields=["contact_name", "contact_email", "contact_phone"])
    return partner
