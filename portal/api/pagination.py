"""Pagination of every list: two query styles on the same list.

- Page numbers, for people: ``?page=2&page_size=50`` (up to 100), with ``count``.
- A cursor, for clients that synchronise: ``?cursor=`` (empty for the first page), then
  follow ``next`` until it is null. The order is fixed by the view (``cursor_ordering``:
  ``updated_at`` then ``pk`` where the model has ``updated_at``, else ``pk``) whatever
  ``ordering`` asks.

The synchronisation contract (``SYNC_CONTRACT``, in the cursor's description). A pass is
the first page and the ``next`` links after it. Its first page fixes the pass's instant:
the pass returns the rows changed at or before it, each exactly once, in the order of
their last change; a row changed during the pass leaves it (it is newer than the pass).
The next pass is asked with ``updated_since`` = the latest ``updated_at`` the pass
returned (``updated_since`` is inclusive: rows changed at that very instant come again,
so the client keys its copy by reference). Whatever is written during a pass is thus in
the next one, and a pass ends even while rows keep being written.

Why not DRF's CursorPagination: its position is the first ordering field alone, with an
offset among the rows that share it. A row that changes between two pages moves behind
the cursor and comes again in the same pass; one that shares its ``updated_at`` with the
end of a page (a bulk change) and changes shifts the offset, so that another row of that
instant is skipped, and skipped for good (it is older than what the client saw last);
and a pass never ends while rows change faster than the client reads pages. The cursor
here is a keyset over every ordering field (no offset) with the pass's instant as a
bound.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination, _positive_int
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 100


class PortalPageNumberPagination(PageNumberPagination):
    page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = _("Nombre de résultats par page (au plus 100).")
    page_query_description = _("Numéro de la page (à partir de 1).")


SYNC_CONTRACT = _(
    "Curseur de synchronisation : vide pour la première page, puis suivre le lien « next » "
    "jusqu'à ce qu'il soit null. La première page fixe l'instant de la passe : la passe "
    "donne une fois et une seule chaque ligne modifiée à cet instant ou avant, dans l'ordre "
    "de leur dernière modification (puis de leur identifiant) ; « ordering » est sans effet "
    "et « previous » toujours null. La passe suivante se demande avec updated_since = le "
    "plus grand updated_at de la passe (inclusif : les lignes de cet instant reviennent ; "
    "gardez une copie indexée par référence) ; ce qui a été écrit pendant une passe est "
    "dans la suivante. Sur une ressource sans updated_at, l'ordre est l'identifiant."
)

# The change stamp: a cursor ordered by it first is bounded by its pass's instant.
CHANGE_STAMP = "updated_at"


class PortalCursorPagination(BasePagination):
    """A keyset cursor over ``view.cursor_ordering`` (ascending fields, the last one
    unique), forward only; bounded by the pass's instant when ordered by ``updated_at``."""

    cursor_query_param = "cursor"
    page_size = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("Curseur non valide.")

    def get_ordering(self, view) -> tuple[str, ...]:
        ordering = tuple(getattr(view, "cursor_ordering", ("pk",)))
        assert not any(field.startswith("-") for field in ordering), ordering
        return ordering

    def get_page_size(self, request) -> int:
        try:
            return _positive_int(
                request.query_params[self.page_size_query_param],
                strict=True,
                cutoff=self.max_page_size,
            )
        except (KeyError, ValueError):
            return self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(view)
        page_size = self.get_page_size(request)
        after, until = self.decode_cursor(request, queryset)
        if self.ordering[0] == CHANGE_STAMP:
            until = until or timezone.now()
            queryset = queryset.filter(**{f"{CHANGE_STAMP}__lte": until})
        if after is not None:
            queryset = queryset.filter(self._after(after))
        rows = list(queryset.order_by(*self.ordering)[: page_size + 1])
        self.page = rows[:page_size]
        self.next_cursor = (
            self.encode_cursor(self._position(self.page[-1]), until)
            if len(rows) > page_size
            else None
        )
        return self.page

    def _after(self, values: list) -> Q:
        """Rows strictly after ``values`` in the order: (a > x) or (a = x and b > y)..."""
        return reduce(
            or_,
            (
                Q(**dict(zip(self.ordering[:i], values[:i], strict=True)))
                & Q(**{f"{self.ordering[i]}__gt": values[i]})
                for i in range(len(self.ordering))
            ),
        )

    def _position(self, row) -> list:
        values = [getattr(row, field) for field in self.ordering]
        return [value.isoformat() if hasattr(value, "isoformat") else value for value in values]

    def _field(self, queryset, name):
        """The model field, or the annotation's output field, that parses a value."""
        if name == "pk":
            return queryset.model._meta.pk
        if name in queryset.query.annotations:
            return queryset.query.annotations[name].output_field
        return queryset.model._meta.get_field(name)

    def decode_cursor(self, request, queryset):
        """``(after, until)`` from the cursor; ``(None, None)`` for the first page."""
        encoded = request.query_params.get(self.cursor_query_param, "")
        if not encoded:
            return None, None
        try:
            token = json.loads(base64.urlsafe_b64decode(encoded.encode("ascii")))
            after = [
                self._field(queryset, name).to_python(value)
                for name, value in zip(self.ordering, token["after"], strict=True)
            ]
            until = token.get("until")
            until = None if until is None else self._field(queryset, CHANGE_STAMP).to_python(until)
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, ValidationError):
            raise NotFound(self.invalid_cursor_message) from None
        instants = [value for value in [*after, until] if isinstance(value, dt.datetime)]
        if any(value is None for value in after) or any(timezone.is_naive(v) for v in instants):
            raise NotFound(self.invalid_cursor_message)
        return after, until

    def encode_cursor(self, after: list, until) -> str:
        token = {"after": after, "until": until.isoformat() if until else None}
        encoded = base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode())
        return replace_query_param(self.base_url, self.cursor_query_param, encoded.decode())

    def get_paginated_response(self, data):
        return Response({"next": self.next_cursor, "previous": None, "results": data})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": force_str(SYNC_CONTRACT),
                "schema": {"type": "string"},
            }
        ]


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
