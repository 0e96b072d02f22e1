"""Formatting of amounts, rates, scores and deadlines in the visitor's language.

French: ``1 000 000,00 €`` and ``60 %`` (non-breaking spaces); Dutch: ``€ 1.000.000,00``;
English: ``€1,000,000.00``. Separators come from Django's locale formats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import formats, numberformat, timezone
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

NBSP = "\u00a0"
MONEY_PATTERNS = {"fr": "{amount}" + NBSP + "€", "nl": "€" + NBSP + "{amount}", "en": "€{amount}"}
PERCENT_PATTERNS = {"fr": "{number}" + NBSP + "%"}
# Deadlines are set and shown in the time of the authorities (Paris and Brussels agree).
DEADLINE_ZONE = ZoneInfo("Europe/Paris")


def _language() -> str:
    return (get_language() or "fr").split("-")[0]


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _grouped(number: Decimal, decimal_pos: int | None) -> str:
    return numberformat.format(
        number,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimal_pos,
        grouping=formats.get_format("NUMBER_GROUPING"),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def _significant_places(number: Decimal) -> int:
    """Decimal places needed to show the number without trailing zeros (60.00 -> 0)."""
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@register.filter
def money(value, decimal_places=2) -> str:
    """An amount in euros: ``{{ call.budget_envelope|money }}`` -> ``1 000 000,00 €``;
    ``{{ lump_sum.amount|money:0 }}`` -> ``120 000 €``."""
    number = _decimal(value)
    if number is None:
        return ""
    try:
        places = int(decimal_places)
    except (TypeError, ValueError):
        places = 2
    pattern = MONEY_PATTERNS.get(_language(), MONEY_PATTERNS["en"])
    return pattern.format(amount=_grouped(number, places))


@register.filter
def percent(value) -> str:
    """A rate in percent without useless decimals: ``60.00`` -> ``60 %``, ``62.50`` ->
    ``62,5 %``."""
    number = _decimal(value)
    if number is None:
        return ""
    pattern = PERCENT_PATTERNS.get(_language(), "{number}%")
    return pattern.format(number=_grouped(number, _significant_places(number)))


@register.filter
def score(value) -> str:
    """A score without useless decimals: ``25.00`` -> ``25``, ``12.50`` -> ``12,5``."""
    number = _decimal(value)
    if number is None:
        return ""
    return _grouped(number, _significant_places(number))


@register.filter
def days_left_label(days) -> str:
    """``12 jours restants``, ``1 jour restant``, ``Dernier jour``; empty when unknown."""
    if days is None or days == "":
        return ""
    days = int(days)
    if days <= 0:
        return gettext("Dernier jour")
    return ngettext("%(days)s jour restant", "%(days)s jours restants", days) % {"days": days}


@register.filter
def days_left_short(days) -> str:
    """The compact countdown shown beside the deadline: ``J-12`` (``D-12`` in English)."""
    if days is None or days == "":
        return ""
    return gettext("J-%(days)s") % {"days": int(days)}


@register.filter
def paris_datetime(value) -> str:
    """A deadline in Paris time, in the visitor's language: ``12 décembre 2026 à 17:00``."""
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value, DEADLINE_ZONE) if timezone.is_aware(value) else value
    return gettext("%(date)s à %(time)s") % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


@register.filter
def paris_date(value) -> str:
    """The day of an instant in Paris time: ``12 décembre 2026``."""
    if not isinstance(value, dt.datetime):
        return ""
    local = timezone.localtime(value, DEADLINE_ZONE) if timezone.is_aware(value) else value
    return formats.date_format(local, "DATE_FORMAT")


@register.simple_tag(takes_context=True)
def default_language_path(context) -> str:
    """The current page's address in the default language (French, without prefix).

    The language switch posts it as ``next``: ``set_language`` runs under the default
    language (its URL has no language prefix), so only an unprefixed path resolves there and
    can be translated into the chosen language.
    """
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), settings.LANGUAGE_CODE)
