"""Validators of organisation identifiers, each checking its own check digits.

Each message names the identifier and says what is wrong, in the user's language.
Values are compacted (spaces, dots, dashes removed, upper case) before they are checked;
``partners.fields.IdentifierField`` stores the compact form.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from .choices import COUNTRY_CHOICES, NUTS_COUNTRY_PREFIX

_SEPARATORS = re.compile(r"[\s.\-/]")


def compact(value: str) -> str:
    """The identifier without separators, in upper case."""
    return _SEPARATORS.sub("", value or "").upper()


def _digits(value: str, label, length: int) -> str:
    value = compact(value)
    if not value.isdigit():
        raise ValidationError(
            _("Le %(label)s ne doit contenir que des chiffres."),
            code="format",
            params={"label": label},
        )
    if len(value) != length:
        raise ValidationError(
            _("Le %(label)s compte %(expected)d chiffres ; « %(value)s » en compte %(actual)d."),
            code="length",
            params={"label": label, "expected": length, "value": value, "actual": len(value)},
        )
    return value


def validate_siren(value: str) -> None:
    label = _("numéro SIREN")
    value = _digits(value, label, 9)
    if not fr_siren.is_valid(value):
        raise ValidationError(
            _("Le %(label)s « %(value)s » est invalide : sa clé de contrôle ne correspond pas."),
            code="checksum",
            params={"label": label, "value": value},
        )


def validate_siret(value: str) -> None:
    label = _("numéro SIRET")
    value = _digits(value, label, 14)
    # python-stdnum checks the Luhn key over the 14 digits and over the SIREN part, and knows
    # La Poste's establishments (SIREN 356000000), whose SIRET have a digit sum divisible by 5.
    if not fr_siret.is_valid(value):
        raise ValidationError(
            _("Le %(label)s « %(value)s » est invalide : sa clé de contrôle ne correspond pas."),
            code="checksum",
            params={"label": label, "value": value},
        )


def compact_be_enterprise_number(value: str) -> str:
    """The 10-digit form: without a BE prefix, 9-digit (pre-2005) numbers padded with a 0."""
    value = compact(value)
    if value.startswith("BE"):
        value = value[2:]
    if value.isdigit() and len(value) == 9:
        value = "0" + value
    return value


def validate_be_enterprise_number(value: str) -> None:
    """Belgian enterprise number (BCE/KBO): 10 digits starting with 0 or 1, mod-97 check."""
    label = _("numéro d'entreprise belge (BCE/KBO)")
    value = _digits(compact_be_enterprise_number(value), label, 10)
    if value[0] not in "01":
        raise ValidationError(
            _("Le %(label)s commence par 0 ou 1 ; « %(value)s » commence par %(first)s."),
            code="format",
            params={"label": label, "value": value, "first": value[0]},
        )
    if not be_vat.is_valid(value):
        raise ValidationError(
            _(
                "Le %(label)s « %(value)s » est invalide : ses deux derniers chiffres doivent "
                "valoir 97 moins le reste de la division des huit premiers par 97."
            ),
            code="checksum",
            params={"label": label, "value": value},
        )


def validate_vat(value: str) -> None:
    """An intra-Community VAT number (FR, BE and every other Member State)."""
    label = _("numéro de TVA intracommunautaire")
    value = compact(value)
    if len(value) < 4 or not value[:2].isalpha():
        raise ValidationError(
            _("Le %(label)s commence par le code du pays (FR, BE…) ; « %(value)s » n'en a pas."),
            code="format",
            params={"label": label, "value": value},
        )
    try:
        eu_vat.validate(value)
    except InvalidComponent:
        raise ValidationError(
            _("Le %(label)s « %(value)s » porte un code pays inconnu (%(country)s)."),
            code="country",
            params={"label": label, "value": value, "country": value[:2]},
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("Le %(label)s « %(value)s » est invalide : sa clé de contrôle ne correspond pas."),
            code="checksum",
            params={"label": label, "value": value},
        ) from None
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            _("Le %(label)s « %(value)s » n'a pas le format attendu pour ce pays."),
            code="format",
            params={"label": label, "value": value},
        ) from None


# Length of the IBAN of each country the portal serves (ISO 13616 registry).
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "BG": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
    "FI": 18, "FR": 27, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LT": 20, "LU": 20,
    "LV": 21, "MT": 31, "NL": 18, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
    "IS": 26, "LI": 21, "NO": 15, "MK": 19, "RS": 22, "TR": 26,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")


def _iban_country_known(value: str) -> bool:
    """Whether python-stdnum knows the IBAN's country, whatever the key typed."""
    probe = value[:2] + stdnum_iban.calc_check_digits(value) + value[4:]
    try:
        stdnum_iban.validate(probe, check_country=False)
    except InvalidComponent:
        return False
    except (InvalidChecksum, InvalidFormat, InvalidLength):
        return True
    return True


def validate_iban(value: str) -> None:
    """An IBAN: shape, the length of its country, the mod-97 key, then the country's own
    structure (python-stdnum also checks Belgian bank codes)."""
    label = _("IBAN")
    value = compact(value)
    if not _IBAN_SHAPE.match(value):
        raise ValidationError(
            _(
                "L'%(label)s « %(value)s » n'a pas le format attendu : code pays, deux chiffres "
                "de clé, puis le numéro de compte."
            ),
            code="format",
            params={"label": label, "value": value},
        )
    country = value[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is not None and len(value) != expected:
        raise ValidationError(
            _(
                "L'%(label)s « %(value)s » compte %(actual)d caractères ; un IBAN %(country)s en "
                "compte %(expected)d."
            ),
            code="length",
            params={
                "label": label,
                "value": value,
                "actual": len(value),
                "country": country,
                "expected": expected,
            },
        )
    if expected is None and not _iban_country_known(value):
        raise ValidationError(
            _("L'%(label)s « %(value)s » porte un code pays inconnu (%(country)s)."),
            code="country",
            params={"label": label, "value": value, "country": country},
        )
    try:
        stdnum_iban.validate(value)
    except InvalidChecksum:
        raise ValidationError(
            _("L'%(label)s « %(value)s » est invalide : sa clé de contrôle ne correspond pas."),
            code="checksum",
            params={"label": label, "value": value},
        ) from None
    except InvalidComponent:
        if expected is None:
            raise ValidationError(
                _("L'%(label)s « %(value)s » porte un code pays inconnu (%(country)s)."),
                code="country",
                params={"label": label, "value": value, "country": country},
            ) from None
        raise ValidationError(
            _(
                "L'%(label)s « %(value)s » désigne une banque inconnue : son code banque ne "
                "figure pas dans le registre de son pays (%(country)s)."
            ),
            code="bank",
            params={"label": label, "value": value, "country": country},
        ) from None
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            _("L'%(label)s « %(value)s » n'a pas la structure d'un compte %(country)s."),
            code="format",
            params={"label": label, "value": value, "country": country},
        ) from None


def validate_pic(value: str) -> None:
    """Participant Identification Code of the EU Funding & Tenders portal: 9 digits."""
    _digits(value, _("code PIC"), 9)


_OID = re.compile(r"^E\d{8}$")


def validate_oid(value: str) -> None:
    """Erasmus+ organisation ID: E followed by 8 digits."""
    value = compact(value)
    if not _OID.match(value):
        raise ValidationError(
            _(
                "L'identifiant d'organisation Erasmus+ (OID) s'écrit E suivi de 8 chiffres "
                "(par exemple E10000001) ; « %(value)s » ne suit pas ce format."
            ),
            code="format",
            params={"value": value},
        )


_NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,3}$")
_NUTS_COUNTRIES = {NUTS_COUNTRY_PREFIX.get(code, code) for code, _label in COUNTRY_CHOICES}


def validate_nuts(value: str) -> None:
    """A NUTS region code: country code then 1, 2 or 3 characters (FRE11 is Nord)."""
    value = compact(value)
    if not _NUTS.match(value):
        raise ValidationError(
            _(
                "Le code NUTS s'écrit avec le code du pays suivi de 1 à 3 caractères "
                "(par exemple FRE11 pour le Nord) ; « %(value)s » ne suit pas ce format."
            ),
            code="format",
            params={"value": value},
        )
    if value[:2] not in _NUTS_COUNTRIES:
        raise ValidationError(
            _("Le code NUTS « %(value)s » commence par un code pays inconnu (%(country)s)."),
            code="country",
            params={"value": value, "country": value[:2]},
        )


def nuts_matches_country(nuts: str, country: str) -> bool:
    return compact(nuts)[:2] == NUTS_COUNTRY_PREFIX.get(country, country)
