"""Public pages of the calls app: the list of calls, a call, the programmes."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import CallStatus, Fund

CALLS_PER_PAGE = 25


class CallFilterForm(forms.Form):
    """The filters of the list of calls, read from the query string. A value that is not
    one of the choices is ignored: the list is shown unfiltered on that criterion."""

    status = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Tous les états")), *CallStatus.choices],
    )
    fund = forms.ModelChoiceField(
        label=_("Fonds"),
        required=False,
        queryset=Fund.objects.all(),
        to_field_name="code",
        empty_label=_("Tous les fonds"),
    )

    def value(self, name):
        """The cleaned value of a filter, or None when it is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) or None


def call_list(request):
    form = CallFilterForm(request.GET)
    calls = selectors.call_list(status=form.value("status"), fund=form.value("fund"))
    page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "calls/call_list.html",
        {
            "form": form,
            "page_obj": page,
            "calls": page.object_list,
            "status": form.value("status"),
            "fund": form.value("fund"),
            "query_without_page": query.urlencode(),
        },
    )


def call_detail(request, reference):
    call = selectors.call_detail(reference=reference)
    criteria = list(call.criteria.all())
    return render(
        request,
        "calls/call_detail.html",
        {
            "call": call,
            "measures": list(call.measures.all()),
            "priority_groups": selectors.group_priorities(call.priorities.all()),
            "lump_sums": list(call.lump_sums.all()),
            "rules": list(call.rules.all()),
            "criteria": criteria,
            "criteria_max_total": sum((c.max_score for c in criteria), start=0) or None,
            "documents": list(call.required_document_types.all()),
            "target_groups": list(call.target_groups.all()),
        },
    )


def programme_list(request):
    return render(request, "calls/programme_list.html", {"funds": selectors.programme_list()})


def programme_detail(request, code):
    programme = selectors.programme_detail(code=code)
    return render(
        request,
        "calls/programme_detail.html",
        {
            "programme": programme,
            "axes": list(programme.axes.all()),
            "priority_groups": selectors.group_priorities(programme.priorities.all()),
            "calls": programme.published_calls,
        },
    )
