"""Login throttling with django-axes: its database handler (the attempts are rows shared
by every web process) with two limits instead of one.

* ``AXES_FAILURE_LIMIT`` failures for one address (e-mail) from one IP lock that pair;
* ``LOGIN_FAILURES_PER_ACCOUNT`` failures for one address from any IP lock the address
  (a guess spread over many machines).

A lock lasts ``AXES_COOLOFF_TIME`` after the last failure; a login refused while locked
is not counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so the time
shown to the person holds. A successful login clears the failures of its own IP only.
The e-mail address is the username, compared in lower case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Min, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status

from portal.network import client_address


def attempted_email(request, credentials: dict | None = None) -> str | None:
    """The address a login attempt was made for (``AXES_USERNAME_CALLABLE``): from the
    credentials given to ``authenticate`` (``username``, as the login form and the API
    pass it, or ``email``), else from the posted form; stripped and in lower case."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") or data.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _recent(request=None):
    attempts = AccessAttempt.objects.all()
    if get_cool_off(request) is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per (address, IP) and a higher one per
    address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against ``AXES_FAILURE_LIMIT``: those of the pair, or
        the limit itself once the address alone has reached its own limit."""
        email = attempted_email(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)
        recent = _recent(request)
        pair = _failures(recent.filter(username=email, ip_address=ip_address))
        if (
            email
            and _failures(recent.filter(username=email)) >= settings.LOGIN_FAILURES_PER_ACCOUNT
        ):
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login, forget the failures of this address from this IP
        only: a login does not wipe out guesses made from elsewhere."""
        email = attempted_email(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)
        count, _rows = AccessAttempt.objects.filter(username=email, ip_address=ip_address).delete()
        return count


# --- what a locked-out person is told ------------------------------------------------------


def locked_until(request, credentials: dict | None = None) -> datetime:
    """When the lock of this attempt ends: the cool-off after the last failure that
    locked it (the pair's, or the address's when the address is locked)."""
    email = attempted_email(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None)
    if ip_address is None and request is not None:
        ip_address = client_address(request)
    recent = _recent(request)
    by_address = recent.filter(username=email)
    if email and _failures(by_address) >= settings.LOGIN_FAILURES_PER_ACCOUNT:
        attempts = by_address
    else:
        attempts = recent.filter(username=email, ip_address=ip_address)
    last = attempts.aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return last + (get_cool_off(request) or settings.AXES_COOLOFF_TIME)


def lockout_message(until: datetime) -> str:
    """The message of a lockout, in the active language, with the time to retry (Paris
    time) and the other way in: a new password."""
    return _(
        "Trop de tentatives de connexion ont échoué : la connexion à ce compte est bloquée "
        "jusqu'à %(time)s. Réessayez ensuite, ou choisissez dès "
        "maintenant un nouveau mot de passe avec « Mot de passe oublié ? » : cela débloque "
        "le compte."
    ) % {"time": formats.time_format(timezone.localtime(until))}


class LockedOut(exceptions.APIException):
    """The API's answer to a locked-out login: 429, ``code: locked_out``, ``Retry-After``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, *, until: datetime):
        super().__init__(detail=lockout_message(until), code=self.default_code)
        self.wait = max(1, int((until - timezone.now()).total_seconds()))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: a page (the login page or the API) that already answered
    429 with its own message keeps its answer; any other login (the admin's) gets a page
    that says the same, with status 429."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    until = locked_until(request, credentials)
    return render(
        request,
        "registration/locked_out.html",
        {
            "message": lockout_message(until),
            "password_reset_url": reverse("password_reset"),
        },
        status=429,
    )


# --- staff: the current lockouts and unlocking -------------------------------------------


@dataclass(frozen=True)
class Lockout:
    email: str
    ip_addresses: list[str]
    failures: int
    since: datetime
    until: datetime
    whole_account: bool


def current_lockouts() -> list[Lockout]:
    """The addresses locked now, by IP or as a whole, the most recent first (two
    queries: the pairs, then the addresses)."""
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    pairs = (
        recent.exclude(username=None)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    accounts = {
        row["username"]: row
        for row in recent.exclude(username=None)
        .values("username")
        .annotate(
            failures=Sum("failures_since_start"),
            first=Min("attempt_time"),
            last=Max("attempt_time"),
        )
    }
    locked: dict[str, Lockout] = {}
    for email, row in accounts.items():
        if row["failures"] >= settings.LOGIN_FAILURES_PER_ACCOUNT:
            locked[email] = Lockout(
                email=email,
                ip_addresses=[],
                failures=row["failures"],
                since=row["last"],
                until=row["last"] + cool_off,
                whole_account=True,
            )
    by_email: dict[str, list[dict]] = {}
    for row in pairs:
        if row["failures"] >= settings.AXES_FAILURE_LIMIT and row["username"] not in locked:
            by_email.setdefault(row["username"], []).append(row)
    for email, rows in by_email.items():
        last = max(row["last"] for row in rows)
        locked[email] = Lockout(
            email=email,
            ip_addresses=sorted(row["ip_address"] or "?" for row in rows),
            failures=sum(row["failures"] for row in rows),
            since=last,
            until=last + cool_off,
            whole_account=False,
        )
    return sorted(locked.values(), key=lambda lockout: lockout.since, reverse=True)


def account_unlock(*, email: str) -> int:
    """Forget every failed login of this address (from every IP): it can log in again at
    once. Returns the number of attempt rows removed (axes' reset utility)."""
    email = email.strip().lower()
    if not email:
        return 0
    return reset(username=email)
