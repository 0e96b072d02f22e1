"""Who may see and do what with an organisation: decided here, and only here.

An organisation is seen by its active members only: for anyone else (another organisation's
member, a person whose request to join is still pending) its pages do not exist (404), so
that the answer never confirms that it is registered. Among members, legal representatives
manage the organisation: its details, its members, the requests to join it.
"""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404

from .choices import MembershipRole
from .models import Membership, Organisation


def organisations_of(user) -> QuerySet[Organisation]:
    """The organisations ``user`` is an active member of, each annotated with
    ``viewer_role``, the user's role in it."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__is_active=True
    ).annotate(viewer_role=F("memberships__role"))


def organisation_or_404(user, pk: int) -> Organisation:
    """The organisation ``pk`` if ``user`` is one of its active members, else a 404."""
    return get_object_or_404(organisations_of(user), pk=pk)


def is_member(user, organisation: Organisation) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, organisation=organisation, is_active=True).exists()
    )


def is_legal_representative(user, organisation: Organisation) -> bool:
    """Whether ``user`` is an active legal representative of ``organisation``."""
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user,
            organisation=organisation,
            is_active=True,
            role=MembershipRole.LEGAL_REPRESENTATIVE,
        ).exists()
    )


def invitable_roles(*, is_legal_representative: bool) -> list[MembershipRole]:
    """The roles a member may offer a colleague: editor and contact for every member, legal
    representative too for a legal representative."""
    roles = [MembershipRole.EDITOR, MembershipRole.CONTACT]
    if is_legal_representative:
        roles.append(MembershipRole.LEGAL_REPRESENTATIVE)
    return roles
