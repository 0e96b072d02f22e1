"""The applicant's dashboard: their organisations, drafts, submitted dossiers, invitations
waiting for them and the deadlines coming, in a constant number of queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors import DEADLINE_HORIZON_DAYS, dashboard_for


@login_required
def dashboard(request):
    return render(
        request,
        "applications/dashboard.html",
        {"dashboard": dashboard_for(request.user), "horizon_days": DEADLINE_HORIZON_DAYS},
    )
