"""The base viewsets every app's API derives from: declarative (a queryset with its joins
spelled out, a serializer, a FilterSet), with the portal's pagination, filtering and
conditional GET applied once here."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, viewsets

from .conditional import ConditionalRetrieveMixin
from .language import RequestLanguageMixin
from .pagination import PortalPagination


class PublicReadOnlyViewSet(
    RequestLanguageMixin, ConditionalRetrieveMixin, viewsets.ReadOnlyModelViewSet
):
    """A public resource: read by anyone, anonymous or not; never written."""

    permission_classes = [permissions.AllowAny]
    pagination_class = PortalPagination
    filter_backends = [DjangoFilterBackend]
    # The order of the cursor pagination: a unique, stable order.
    cursor_ordering: tuple[str, ...] = ("pk",)
