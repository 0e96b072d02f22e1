"""Changing the e-mail address of an account: a link to the new address, signed with
the address it replaces (so it works once, and not after another change), valid as long
as the portal's other links; a notice to the old address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.models import User
from portal.services import link_validity_days

EMAIL_CHANGE_SALT = "portal.accounts.email-change"


def email_change_request(*, user: User, new_email: str, request) -> None:
    """E-mail a confirmation link to ``new_email``, and a notice to the current address;
    nothing changes until the link is followed (``email_change_accept``)."""
    new_email = new_email.strip().lower()
    token = signing.dumps(
        {"user": user.pk, "from": user.email, "to": new_email}, salt=EMAIL_CHANGE_SALT
    )
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "new_email": new_email,
            "link": request.build_absolute_uri(
                reverse("email_change_confirm", kwargs={"token": token})
            ),
            "days": link_validity_days(),
            "password_reset_link": request.build_absolute_uri(reverse("password_reset")),
        }
        send_mail(
            _("Confirmez votre nouvelle adresse e-mail — Portail des fonds européens"),
            render_to_string("portal/email/email_change_confirm.txt", context),
            None,
            [new_email],
        )
        send_mail(
            _("Changement d'adresse e-mail demandé — Portail des fonds européens"),
            render_to_string("portal/email/email_change_notice.txt", context),
            None,
            [user.email],
        )


def email_change_accept(*, token: str) -> User | None:
    """Apply the change a link was made for: compare-and-set on the address it replaces,
    so it works once. ``None`` for a wrong, expired or used link, or an address taken by
    another account in the meantime."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT
        )
        pk, old, new = int(payload["user"]), str(payload["from"]), str(payload["to"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if User.objects.filter(email__iexact=new).exclude(pk=pk).exists():
        return None
    try:
        with transaction.atomic():
            changed = User.objects.filter(pk=pk, email=old, is_active=True).update(email=new)
    except IntegrityError:
        return None
    if not changed:
        return None
    return User.objects.get(pk=pk)
