"""The public list of operations (Regulation (EU) 2021/1060, art. 49(3)): the CSV file at a
stable address, and the page that explains it. Both are open to anyone, without login."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from calls.models import Fund

from .. import exports

CACHE_SECONDS = 3600


def _last_modified(request, *, filters: exports.OperationFilters):
    return exports.operations_last_modified(filters)


@cache_control(public=True, max_age=CACHE_SECONDS)
@condition(last_modified_func=_last_modified)
def _operations_csv(request, *, filters: exports.OperationFilters):
    """The file, or 304 when the client's copy is as recent as the latest change. Three
    queries: the latest change, the operations, their other beneficiaries."""
    lines = exports.operation_csv_lines(exports.public_operations(filters))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="operations.csv"'
    return response


@require_safe
def public_operations_csv(request):
    """The public list of operations as CSV for Excel (UTF-8 with BOM, ``;``, decimal
    commas, ISO dates, French header), filtered by ``fund``, ``programme`` and ``country``
    in the query string; a filter naming nothing is a 400 that says which."""
    try:
        filters = exports.operation_filters(request.GET)
    except exports.InvalidFilter as refusal:
        return HttpResponseBadRequest(refusal.message, content_type="text/plain; charset=utf-8")
    return _operations_csv(request, filters=filters)


@require_safe
def open_data(request):
    """The page that explains the file: what it holds, its columns, its filters (with the
    codes of the funds and programmes), its licence, and the link."""
    funds = Fund.objects.prefetch_related("programmes").order_by("short_name")
    # The file's address without a language prefix, the same on every version of the page.
    with translation.override("fr"):
        path = reverse("reporting:public_operations_csv")
    return render(
        request,
        "reporting/open_data.html",
        {
            "csv_path": path,
            "csv_url": request.build_absolute_uri(path),
            "columns": exports.PUBLIC_COLUMNS,
            "funds": funds,
            "last_modified": exports.operations_last_modified(),
        },
    )
