"""What the layout needs to know about a person, read once at login and kept in the
session: whether they are an officer or an assessor of an authority (for the menu), so
that no page spends a query on it. A role given or taken away shows at the next login;
the pages themselves always check the role in the database (review.permissions)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SESSION_ROLES = "portal_roles"


@receiver(user_logged_in)
def remember_roles(sender, request, user, **kwargs):
    from calls.models import AuthorityMember

    if request is None or not hasattr(request, "session"):
        return
    roles = sorted(
        set(
            AuthorityMember.objects.filter(user=user, is_active=True).values_list("role", flat=True)
        )
    )
    request.session[SESSION_ROLES] = roles
