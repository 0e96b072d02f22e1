"""Writes on accounts: registering, sending and accepting e-mail confirmation links."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit import services as audit
from audit.choices import AuditAction

from .models import User
from .tokens import email_confirmation_token


def link_validity_days() -> int:
    """How long a link e-mailed by the portal (confirmation, password reset) works."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))


def waiting_for_confirmation(user: User) -> bool:
    """An account created by registering whose e-mail address is not confirmed yet."""
    return not user.is_active and user.last_login is None


def account_register(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    preferred_language: str,
    request,
    next_path: str = "",
) -> User:
    """A new inactive account, and the e-mail with the link that activates it.

    Raises ``IntegrityError`` when the address was taken in the meantime (the form checked
    it, another request may have been quicker)."""
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            preferred_language=preferred_language,
            is_active=False,
        )
    # The account is committed (no surrounding transaction): send at once.
    email_confirmation_send(user=user, request=request, next_path=next_path)
    return user


def email_confirmation_send(*, user: User, request, next_path: str = "") -> int:
    """E-mail ``user`` a link that confirms their address, in their language (the link
    leads to the pages in that language), and then to ``next_path`` (a path of this site,
    e.g. the invitation that brought them). Returns the number of messages sent."""
    with translation.override(user.preferred_language):
        path = reverse(
            "confirm_email",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": email_confirmation_token.make_token(user),
            },
        )
        if next_path:
            path += "?" + urlencode({"next": next_path})
        context = {
            "user": user,
            "link": request.build_absolute_uri(path),
            "days": link_validity_days(),
        }
        subject = _("Confirmez votre adresse e-mail — Portail des fonds européens")
        body = render_to_string("portal/email/confirm_email.txt", context)
    return send_mail(subject, body, None, [user.email])


def email_confirmation_resend(*, email: str, request) -> int:
    """A new link for an account waiting for confirmation with this address; nothing for
    an unknown, active or deactivated one. The caller answers the same in every case."""
    user = User.objects.filter(
        email__iexact=email.strip(), is_active=False, last_login__isnull=True
    ).first()
    if user is None:
        return 0
    return email_confirmation_send(user=user, request=request)


def email_confirmation_accept(*, uidb64: str, token: str) -> User | None:
    """Activate the account the link was made for, once: compare-and-set on
    ``is_active``, so a second click (or two at once) activates nothing. ``None`` for a
    wrong, expired or used link."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not waiting_for_confirmation(user):
        return None
    if not email_confirmation_token.check_token(user, token):
        return None
    activated = User.objects.filter(pk=user.pk, is_active=False, last_login__isnull=True).update(
        is_active=True
    )
    if not activated:
        return None
    user.is_active = True
    return user


# --- the account's API token -------------------------------------------------------------


def api_token_issue(*, user: User):
    """A new API token for ``user``, replacing the one it had: the old one stops working at
    once (a client that leaked it is cut off)."""
    with transaction.atomic():
        replaced, _rows = Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit.record(
            actor=user,
            action=AuditAction.TOKEN_CREATED,
            subject=("account", user.email),
            details={"replaced": bool(replaced)},
        )
        return token


def api_token_revoke(*, user: User) -> bool:
    """``user``'s API token stops working; True if there was one."""
    with transaction.atomic():
        deleted, _rows = Token.objects.filter(user=user).delete()
        if deleted:
            audit.record(
                actor=user, action=AuditAction.TOKEN_REVOKED, subject=("account", user.email)
            )
    return bool(deleted)
