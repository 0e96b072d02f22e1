"""Pagination of every list: two query styles on the same list.

- Page numbers, for people: ``?page=2&page_size=50`` (up to 100), with ``count``.
- A cursor, for clients that synchronise: ``?cursor=`` (empty for the first page), then
  follow ``next`` until it is null. The order is fixed by the view (``cursor_ordering``:
  ``updated_at`` then ``pk`` where the model has ``updated_at``, else ``pk``) whatever
  ``ordering`` asks, so that every row is returned exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 100


class PortalPageNumberPagination(PageNumberPagination):
    page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = _("Nombre de résultats par page (au plus 100).")
    page_query_description = _("Numéro de la page (à partir de 1).")


class PortalCursorPagination(CursorPagination):
    page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = _(
        "Curseur de synchronisation : vide pour la première page, puis suivre le lien "
        "« next ». L'ordre est fixe (date de modification puis identifiant si la ressource "
        "en a une, sinon identifiant) et « ordering » est alors sans effet."
    )

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "cursor_ordering", ("pk",)))


class PortalPagination(BasePagination):
    """Page numbers, or a cursor when the request has a ``cursor`` parameter."""

    cursor_query_param = "cursor"

    def __init__(self):
        self.pages = PortalPageNumberPagination()
        self.cursors = PortalCursorPagination()
        self.active = self.pages

    def paginate_queryset(self, queryset, request, view=None):
        self.active = (
            self.cursors if self.cursor_query_param in request.query_params else self.pages
        )
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        response = self.pages.get_paginated_response_schema(schema)
        response["required"] = ["next", "previous", "results"]
        response["properties"]["count"]["description"] = str(
            _("Nombre total de résultats (pagination par numéro de page seulement).")
        )
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *self.pages.get_schema_operation_parameters(view),
            *(
                parameter
                for parameter in self.cursors.get_schema_operation_parameters(view)
                if parameter["name"] == self.cursor_query_param
            ),
        ]

    def get_results(self, data):
        return data["results"]
