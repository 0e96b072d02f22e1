"""The registry of eligibility rule kinds.

Each kind declares the parameters an officer sets (a Django form: a wrong value is refused
with a clear message when the rule is saved), the section of the dossier it reads (where the
checklist sends the applicant to fix it), a pure function from the dossier's facts to a
verdict with its figures, and the sentences that say the verdict with those figures in the
reader's language. Figures are plain JSON values (amounts and rates as decimal strings,
dates in ISO format), so a verdict frozen at submission is said again in any language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from partners.choices import COUNTRY_CHOICES, LegalType
from partners.validators import compact, validate_nuts

from ..choices import CostModel, RuleKind
from .facts import DossierFacts, PartnerFacts

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "not_applicable"

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Verdict:
    status: str
    figures: dict


class Section:
    """Where in the dossier the applicant fixes what a rule reads."""

    IDENTIFICATION = "identification"
    CONSORTIUM = "consortium"
    PRIORITIES = "priorities"
    BUDGET = "budget"
    COFINANCING = "cofinancing"
    ATTACHMENTS = "attachments"
    SUBMISSION = "submission"


# --- How figures are said ---------------------------------------------------------------


def _money(value: str | None) -> str:
    from ..templatetags.portal_format import money

    return money(value) if value is not None else "—"


def _percent(value: str | None) -> str:
    from ..templatetags.portal_format import percent

    return percent(value) if value is not None else "—"


def _date(value: str) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")


def _instant(value: str) -> str:
    moment = timezone.localtime(dt.datetime.fromisoformat(value))
    return formats.date_format(moment, "DATETIME_FORMAT")


_COUNTRIES = dict(COUNTRY_CHOICES)
_LEGAL_TYPES = dict(LegalType.choices)


def _country(code: str) -> str:
    return str(_COUNTRIES.get(code, code))


def _legal_type(code: str) -> str:
    return str(_LEGAL_TYPES.get(code, code))


def _join(items: Iterable[str]) -> str:
    return pgettext("list of items", ", ").join(items)


def _series(items: Iterable[str]) -> str:
    """Items that are themselves lists, separated more strongly than by commas."""
    return pgettext("list of groups", " ; ").join(items)


def _two_clauses(first: str, second: str) -> str:
    """A requirement and the dossier's figure in one sentence."""
    return _("%(requirement)s ; %(figure)s.") % {"requirement": first, "figure": second}


def _countries(codes: Iterable[str]) -> str:
    return _join(_country(code) for code in codes)


def _legal_types(codes: Iterable[str]) -> str:
    return _join(_legal_type(code) for code in codes)


def _named(entries: Iterable[dict], detail) -> str:
    """``[{"name": "ASBL X", ...}]`` said as ``ASBL X (detail)``, separated by semicolons."""
    return _series(f"{entry['name']} ({detail(entry)})" for entry in entries)


def _rate(part: Decimal, whole: Decimal, rounding=ROUND_HALF_UP) -> Decimal:
    """``part`` as a percentage of ``whole``, to the hundredth. Rules compare exactly
    (``part * 100`` against ``bound * whole``) and round what they show away from the bound,
    so that a rate over a cap by a fraction of a hundredth never reads as the cap."""
    return (part * 100 / whole).quantize(CENT, rounding=rounding)


# --- Parameters ---------------------------------------------------------------------------


class _CodesField(forms.MultipleChoiceField):
    """A list of codes from a fixed list, given as a JSON list."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(choices=choices, **kwargs)


class Parameters(forms.Form):
    """The parameters of a kind; subclasses declare fields. Unknown keys are refused."""

    def __init__(self, data: dict, *, check_references: bool = True):
        super().__init__(data=data)
        self.unknown = sorted(set(data) - set(self.fields))
        # Codes that name other rows (document types) are checked against the database
        # when an officer saves the rule, not each time dossiers are checked.
        self.check_references = check_references

    def clean(self):
        cleaned = super().clean()
        if self.unknown:
            raise ValidationError(
                ngettext(
                    "Paramètre inconnu pour cette règle : %(names)s (paramètres admis : %(known)s).",
                    "Paramètres inconnus pour cette règle : %(names)s (paramètres admis : %(known)s).",
                    len(self.unknown),
                )
                % {"names": ", ".join(self.unknown), "known": ", ".join(self.fields) or "—"}
            )
        return cleaned


class NoParameters(Parameters):
    pass


def _countries_field(**kwargs) -> forms.MultipleChoiceField:
    return _CodesField(choices=COUNTRY_CHOICES, label=gettext_lazy("pays"), **kwargs)


class _Flag(forms.BooleanField):
    def __init__(self, label):
        super().__init__(required=False, label=label)


# --- The kinds -----------------------------------------------------------------------------


class Kind:
    """A kind of rule: its parameters, the section it reads, its verdict and sentences."""

    kind: str
    section: str
    parameters: type[Parameters] = NoParameters

    def evaluate(self, params: dict, facts: DossierFacts, at: dt.datetime) -> Verdict:
        raise NotImplementedError

    def message(self, status: str, figures: dict) -> str:
        raise NotImplementedError

    def describe(self, params: dict) -> str:
        """The rule in plain language, for the call's page."""
        raise NotImplementedError


REGISTRY: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    REGISTRY[cls.kind] = cls()
    return cls


def _consortium(facts: DossierFacts, include_associated: bool) -> list[PartnerFacts]:
    return [p for p in facts.partners if include_associated or not p.is_associated]


def _entry(partner: PartnerFacts, **extra) -> dict:
    return {"name": partner.name, **extra}


class _LegalTypesParameters(Parameters):
    allowed = _CodesField(choices=LegalType.choices, label=gettext_lazy("statuts admis"))


@register
class LeadLegalTypes(Kind):
    kind = RuleKind.LEAD_LEGAL_TYPES
    section = Section.CONSORTIUM
    parameters = _LegalTypesParameters

    def evaluate(self, params, facts, at):
        lead = facts.lead
        figures = {"allowed": params["allowed"]}
        if lead is None:
            return Verdict(FAIL, {**figures, "lead": None})
        figures["lead"] = _entry(lead, legal_type=lead.legal_type)
        return Verdict(PASS if lead.legal_type in params["allowed"] else FAIL, figures)

    def message(self, status, figures):
        lead = figures["lead"]
        if lead is None:
            return _("Le dossier n'a pas encore de chef de file.")
        values = {
            "name": lead["name"],
            "type": _legal_type(lead["legal_type"]),
            "allowed": _legal_types(figures["allowed"]),
        }
        if status == PASS:
            return _("Le chef de file %(name)s a un statut admis (%(type)s).") % values
        return (
            _(
                "Le chef de file %(name)s a le statut « %(type)s », qui n'est pas admis ; "
                "statuts admis : %(allowed)s."
            )
            % values
        )

    def describe(self, params):
        return _("Le chef de file a l'un de ces statuts : %(allowed)s.") % {
            "allowed": _legal_types(params["allowed"])
        }


class _PartnerLegalTypesParameters(_LegalTypesParameters):
    include_associated = _Flag(gettext_lazy("y compris les partenaires associés"))


@register
class PartnerLegalTypes(Kind):
    kind = RuleKind.PARTNER_LEGAL_TYPES
    section = Section.CONSORTIUM
    parameters = _PartnerLegalTypesParameters

    def evaluate(self, params, facts, at):
        consortium = _consortium(facts, params["include_associated"])
        refused = [
            _entry(p, legal_type=p.legal_type)
            for p in consortium
            if p.legal_type not in params["allowed"]
        ]
        figures = {"count": len(consortium), "refused": refused, "allowed": params["allowed"]}
        return Verdict(FAIL if refused else PASS, figures)

    def message(self, status, figures):
        if status == PASS:
            return ngettext(
                "L'organisation du consortium a un statut admis.",
                "Les %(count)d organisations du consortium ont un statut admis.",
                figures["count"],
            ) % {"count": figures["count"]}
        refused = figures["refused"]
        return ngettext(
            "%(count)d organisation n'a pas de statut admis : %(list)s ; statuts admis : "
            "%(allowed)s.",
            "%(count)d organisations n'ont pas de statut admis : %(list)s ; statuts admis : "
            "%(allowed)s.",
            len(refused),
        ) % {
            "count": len(refused),
            "list": _named(refused, lambda e: _legal_type(e["legal_type"])),
            "allowed": _legal_types(figures["allowed"]),
        }

    def describe(self, params):
        return _("Chaque organisation du consortium a l'un de ces statuts : %(allowed)s.") % {
            "allowed": _legal_types(params["allowed"])
        }


class _IdentifierParameters(Parameters):
    scope = forms.ChoiceField(
        choices=[
            ("lead", gettext_lazy("le chef de file")),
            ("all", gettext_lazy("chaque organisation")),
        ],
        required=False,
        initial="lead",
        label=gettext_lazy("qui"),
    )


@register
class ValidIdentifier(Kind):
    kind = RuleKind.VALID_IDENTIFIER
    section = Section.CONSORTIUM
    parameters = _IdentifierParameters

    def evaluate(self, params, facts, at):
        scope = params["scope"] or "lead"
        checked = facts.partners if scope == "all" else [p for p in facts.partners if p.is_lead]
        if not checked:
            return Verdict(FAIL, {"scope": scope, "count": 0, "missing": [], "identified": []})
        missing = [_entry(p, country=p.country) for p in checked if not p.identifier]
        identified = [_entry(p, identifier=p.identifier) for p in checked if p.identifier]
        figures = {
            "scope": scope,
            "count": len(checked),
            "missing": missing,
            "identified": identified,
        }
        return Verdict(FAIL if missing else PASS, figures)

    def message(self, status, figures):
        if figures["count"] == 0:
            return _("Le dossier n'a pas encore de chef de file.")
        if status == PASS:
            if figures["scope"] == "lead":
                entry = figures["identified"][0]
                return (
                    _("Le chef de file %(name)s a un identifiant valide : %(identifier)s.") % entry
                )
            return ngettext(
                "L'organisation est identifiée par un identifiant valide de son pays.",
                "Les %(count)d organisations sont identifiées par un identifiant valide de leur "
                "pays.",
                figures["count"],
            ) % {"count": figures["count"]}
        return _(
            "Sans identifiant valide de son pays (SIRET en France, numéro BCE/KBO en Belgique, "
            "TVA, PIC ou OID ailleurs) : %(list)s."
        ) % {"list": _named(figures["missing"], lambda e: _country(e["country"]))}

    def describe(self, params):
        if params["scope"] == "all":
            return _(
                "Chaque organisation a un identifiant valide de son pays (SIRET, numéro BCE/KBO, "
                "TVA, PIC ou OID) : seules des personnes morales déposent."
            )
        return _(
            "Le chef de file a un identifiant valide de son pays (SIRET, numéro BCE/KBO, TVA, "
            "PIC ou OID) : seules des personnes morales déposent."
        )


class _MinimumParameters(Parameters):
    minimum = forms.IntegerField(min_value=1, max_value=1000, label=gettext_lazy("minimum"))


class _CountParameters(_MinimumParameters):
    count_associated = _Flag(gettext_lazy("compter les partenaires associés"))


@register
class MinPartners(Kind):
    kind = RuleKind.MIN_PARTNERS
    section = Section.CONSORTIUM
    parameters = _CountParameters

    def evaluate(self, params, facts, at):
        count = len(_consortium(facts, params["count_associated"]))
        figures = {"minimum": params["minimum"], "count": count}
        return Verdict(PASS if count >= params["minimum"] else FAIL, figures)

    def message(self, status, figures):
        required = (
            ngettext(
                "Au moins %(minimum)d organisation est requise",
                "Au moins %(minimum)d organisations sont requises",
                figures["minimum"],
            )
            % figures
        )
        counted = (
            ngettext(
                "ce consortium en compte %(count)d",
                "ce consortium en compte %(count)d",
                figures["count"],
            )
            % figures
        )
        return _two_clauses(required, counted)

    def describe(self, params):
        return (
            ngettext(
                "Au moins %(minimum)d organisation.",
                "Au moins %(minimum)d organisations.",
                params["minimum"],
            )
            % params
        )


@register
class MinCountries(Kind):
    kind = RuleKind.MIN_COUNTRIES
    section = Section.CONSORTIUM
    parameters = _CountParameters

    def evaluate(self, params, facts, at):
        consortium = _consortium(facts, params["count_associated"])
        countries = sorted({p.country for p in consortium})
        figures = {
            "minimum": params["minimum"],
            "organisations": len(consortium),
            "countries": countries,
        }
        return Verdict(PASS if len(countries) >= params["minimum"] else FAIL, figures)

    def message(self, status, figures):
        required = (
            ngettext(
                "Des organisations d'au moins %(minimum)d pays sont requises",
                "Des organisations d'au moins %(minimum)d pays différents sont requises",
                figures["minimum"],
            )
            % figures
        )
        organisations = ngettext(
            "ce consortium compte %(count)d organisation",
            "ce consortium compte %(count)d organisations",
            figures["organisations"],
        ) % {"count": figures["organisations"]}
        countries = ngettext(
            "de %(count)d pays",
            "de %(count)d pays",
            len(figures["countries"]),
        ) % {"count": len(figures["countries"])}
        listed = f" ({_countries(figures['countries'])})" if figures["countries"] else ""
        return _two_clauses(required, f"{organisations} {countries}{listed}")

    def describe(self, params):
        return (
            ngettext(
                "Des organisations d'au moins %(minimum)d pays.",
                "Des organisations d'au moins %(minimum)d pays différents.",
                params["minimum"],
            )
            % params
        )


class _CountriesParameters(Parameters):
    countries = _countries_field()


@register
class RequiredCountries(Kind):
    kind = RuleKind.REQUIRED_COUNTRIES
    section = Section.CONSORTIUM
    parameters = _CountriesParameters

    def evaluate(self, params, facts, at):
        present = {p.country for p in facts.partners if not p.is_associated}
        missing = [code for code in params["countries"] if code not in present]
        figures = {"required": params["countries"], "missing": missing}
        return Verdict(FAIL if missing else PASS, figures)

    def message(self, status, figures):
        values = {
            "required": _countries(figures["required"]),
            "missing": _countries(figures["missing"]),
        }
        if status == PASS:
            return (
                _("Le consortium réunit des organisations de chacun de ces pays : %(required)s.")
                % values
            )
        return (
            _(
                "Il faut au moins une organisation de chacun de ces pays : %(required)s ; "
                "aucune ne vient de : %(missing)s."
            )
            % values
        )

    def describe(self, params):
        return _("Au moins une organisation de chacun de ces pays : %(required)s.") % {
            "required": _countries(params["countries"])
        }


class _AllowedCountriesParameters(_CountriesParameters):
    include_associated = _Flag(gettext_lazy("y compris les partenaires associés"))


@register
class AllowedCountries(Kind):
    kind = RuleKind.ALLOWED_COUNTRIES
    section = Section.CONSORTIUM
    parameters = _AllowedCountriesParameters

    def evaluate(self, params, facts, at):
        consortium = _consortium(facts, params["include_associated"])
        outside = [
            _entry(p, country=p.country) for p in consortium if p.country not in params["countries"]
        ]
        figures = {
            "count": len(consortium),
            "outside": outside,
            "allowed": len(params["countries"]),
        }
        return Verdict(FAIL if outside else PASS, figures)

    def message(self, status, figures):
        if status == PASS:
            return (
                ngettext(
                    "L'organisation est établie dans un pays admis.",
                    "Les %(count)d organisations sont établies dans un pays admis.",
                    figures["count"],
                )
                % figures
            )
        return ngettext(
            "Établie hors des pays admis : %(list)s.",
            "Établies hors des pays admis : %(list)s.",
            len(figures["outside"]),
        ) % {"list": _named(figures["outside"], lambda e: _country(e["country"]))}

    def describe(self, params):
        return _("Chaque organisation est établie dans l'un de ces pays : %(countries)s.") % {
            "countries": _countries(params["countries"])
        }


@register
class LeadCountry(Kind):
    kind = RuleKind.LEAD_COUNTRY
    section = Section.CONSORTIUM
    parameters = _CountriesParameters

    def evaluate(self, params, facts, at):
        lead = facts.lead
        figures = {"allowed": params["countries"], "lead": None}
        if lead is None:
            return Verdict(FAIL, figures)
        figures["lead"] = _entry(lead, country=lead.country)
        return Verdict(PASS if lead.country in params["countries"] else FAIL, figures)

    def message(self, status, figures):
        lead = figures["lead"]
        if lead is None:
            return _("Le dossier n'a pas encore de chef de file.")
        values = {"name": lead["name"], "country": _country(lead["country"])}
        if status == PASS:
            return (
                _("Le chef de file %(name)s est établi dans un pays admis (%(country)s).") % values
            )
        values["allowed"] = _countries(figures["allowed"])
        return (
            _(
                "Le chef de file %(name)s est établi hors des pays admis (%(country)s) ; "
                "pays admis : %(allowed)s."
            )
            % values
        )

    def describe(self, params):
        return _("Le chef de file est établi dans l'un de ces pays : %(countries)s.") % {
            "countries": _countries(params["countries"])
        }


class _NutsParameters(Parameters):
    prefixes = forms.JSONField(label=gettext_lazy("régions NUTS admises"))
    include_associated = _Flag(gettext_lazy("y compris les partenaires associés"))

    def clean_prefixes(self):
        prefixes = self.cleaned_data["prefixes"]
        if not isinstance(prefixes, list) or not prefixes:
            raise ValidationError(
                _('Donnez une liste de codes NUTS, par exemple ["FRE11", "BE32"].')
            )
        cleaned = []
        for prefix in prefixes:
            if not isinstance(prefix, str):
                raise ValidationError(_("Chaque région est un code NUTS écrit comme du texte."))
            validate_nuts(prefix)
            cleaned.append(compact(prefix))
        return cleaned


@register
class AllowedNuts(Kind):
    kind = RuleKind.ALLOWED_NUTS
    section = Section.CONSORTIUM
    parameters = _NutsParameters

    def evaluate(self, params, facts, at):
        prefixes = tuple(params["prefixes"])
        consortium = _consortium(facts, params["include_associated"])
        outside = [
            _entry(p, nuts=p.nuts_code)
            for p in consortium
            if not (p.nuts_code and p.nuts_code.startswith(prefixes))
        ]
        figures = {"count": len(consortium), "outside": outside, "prefixes": list(prefixes)}
        return Verdict(FAIL if outside else PASS, figures)

    def message(self, status, figures):
        if status == PASS:
            return (
                ngettext(
                    "L'organisation est établie sur le territoire du programme.",
                    "Les %(count)d organisations sont établies sur le territoire du programme.",
                    figures["count"],
                )
                % figures
            )
        return _("Hors du territoire du programme (%(territory)s) : %(list)s.") % {
            "territory": _join(figures["prefixes"]),
            "list": _named(figures["outside"], lambda e: e["nuts"] or _("région non renseignée")),
        }

    def describe(self, params):
        return _(
            "Chaque organisation est établie sur le territoire du programme (régions NUTS %(territory)s)."
        ) % {"territory": _join(params["prefixes"])}


class _BoundsParameters(Parameters):
    min = forms.IntegerField(
        required=False, min_value=1, max_value=240, label=gettext_lazy("minimum (mois)")
    )
    max = forms.IntegerField(
        required=False, min_value=1, max_value=240, label=gettext_lazy("maximum (mois)")
    )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min"), cleaned.get("max")
        if low is None and high is None and not self.errors:
            raise ValidationError(_("Donnez au moins une borne : min ou max."))
        if low is not None and high is not None and low > high:
            raise ValidationError(
                _("Le minimum (%(min)d mois) dépasse le maximum (%(max)d mois).")
                % {"min": low, "max": high}
            )
        return cleaned


def _months(count: int) -> str:
    return ngettext("%(count)d mois", "%(count)d mois", count) % {"count": count}


def _bounds_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return ngettext("de %(min)d à %(max)d mois", "de %(min)d à %(max)d mois", high) % {
            "min": low,
            "max": high,
        }
    if low is not None:
        return _("au moins %(months)s") % {"months": _months(low)}
    return _("au plus %(months)s") % {"months": _months(high)}


@register
class DurationMonths(Kind):
    kind = RuleKind.DURATION_MONTHS
    section = Section.IDENTIFICATION
    parameters = _BoundsParameters

    def evaluate(self, params, facts, at):
        duration = facts.duration_months
        figures = {"min": params["min"], "max": params["max"], "duration": duration}
        if duration is None:
            return Verdict(FAIL, figures)
        fits = (params["min"] is None or duration >= params["min"]) and (
            params["max"] is None or duration <= params["max"]
        )
        return Verdict(PASS if fits else FAIL, figures)

    def message(self, status, figures):
        bounds = _bounds_text(figures["min"], figures["max"])
        if figures["duration"] is None:
            return _(
                "Les dates de début et de fin ne sont pas saisies (durée admise : %(bounds)s)."
            ) % {"bounds": bounds}
        values = {"duration": _months(figures["duration"]), "bounds": bounds}
        if status == PASS:
            return _("Le projet dure %(duration)s (durée admise : %(bounds)s).") % values
        return _("Le projet dure %(duration)s, hors de la durée admise (%(bounds)s).") % values

    def describe(self, params):
        return _("Durée du projet : %(bounds)s.") % {
            "bounds": _bounds_text(params["min"], params["max"])
        }


class _DateWindowParameters(Parameters):
    earliest = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], label=gettext_lazy("au plus tôt")
    )
    latest = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], label=gettext_lazy("au plus tard")
    )

    def clean(self):
        cleaned = super().clean()
        earliest, latest = cleaned.get("earliest"), cleaned.get("latest")
        if earliest is None and latest is None and not self.errors:
            raise ValidationError(_("Donnez au moins une date : earliest ou latest (AAAA-MM-JJ)."))
        if earliest and latest and earliest > latest:
            raise ValidationError(_("La date au plus tôt est postérieure à la date au plus tard."))
        return cleaned


def _window_text(earliest: str | None, latest: str | None) -> str:
    if earliest and latest:
        return _("entre le %(earliest)s et le %(latest)s") % {
            "earliest": _date(earliest),
            "latest": _date(latest),
        }
    if earliest:
        return _("au plus tôt le %(earliest)s") % {"earliest": _date(earliest)}
    return _("au plus tard le %(latest)s") % {"latest": _date(latest)}


@register
class StartDateWindow(Kind):
    kind = RuleKind.START_DATE_WINDOW
    section = Section.IDENTIFICATION
    parameters = _DateWindowParameters

    def evaluate(self, params, facts, at):
        earliest, latest = params["earliest"], params["latest"]
        figures = {
            "earliest": earliest.isoformat() if earliest else None,
            "latest": latest.isoformat() if latest else None,
            "start": facts.start_date.isoformat() if facts.start_date else None,
        }
        if facts.start_date is None:
            return Verdict(FAIL, figures)
        fits = (earliest is None or facts.start_date >= earliest) and (
            latest is None or facts.start_date <= latest
        )
        return Verdict(PASS if fits else FAIL, figures)

    def message(self, status, figures):
        window = _window_text(figures["earliest"], figures["latest"])
        if figures["start"] is None:
            return _("La date de début n'est pas saisie ; le projet doit commencer %(window)s.") % {
                "window": window
            }
        values = {"start": _date(figures["start"]), "window": window}
        if status == PASS:
            return _("Le projet commence le %(start)s, bien %(window)s.") % values
        return _("Le projet commence le %(start)s ; il doit commencer %(window)s.") % values

    def describe(self, params):
        return _("Le projet commence %(window)s.") % {
            "window": _window_text(
                params["earliest"].isoformat() if params["earliest"] else None,
                params["latest"].isoformat() if params["latest"] else None,
            )
        }


def _decimal_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), label=label, **kwargs
    )


def _rate_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        label=label,
        **kwargs,
    )


class _CeilingParameters(Parameters):
    amount = _decimal_field(gettext_lazy("plafond (EUR)"), required=False)


def _requested_grant(facts: DossierFacts) -> Decimal | None:
    """The grant asked for: the lump sum in a lump-sum call, the EU co-financing otherwise."""
    if facts.call.cost_model == CostModel.LUMP_SUM:
        return facts.lump_sum
    return facts.eu_total


@register
class MaxGrant(Kind):
    kind = RuleKind.MAX_GRANT
    section = Section.COFINANCING
    parameters = _CeilingParameters

    def evaluate(self, params, facts, at):
        ceiling = params["amount"] if params["amount"] is not None else facts.call.max_grant
        if ceiling is None:
            return Verdict(NOT_APPLICABLE, {"ceiling": None, "requested": None})
        requested = _requested_grant(facts)
        figures = {
            "ceiling": str(ceiling),
            "requested": str(requested) if requested is not None else None,
        }
        if requested is None:
            return Verdict(FAIL, figures)
        return Verdict(PASS if requested <= ceiling else FAIL, figures)

    def message(self, status, figures):
        if figures["ceiling"] is None:
            return _("L'appel ne fixe pas de plafond de subvention.")
        values = {"requested": _money(figures["requested"]), "ceiling": _money(figures["ceiling"])}
        if figures["requested"] is None:
            return _("Aucun montant n'est encore demandé ; le plafond est de %(ceiling)s.") % values
        if status == PASS:
            return (
                _("La subvention demandée (%(requested)s) respecte le plafond de %(ceiling)s.")
                % values
            )
        return (
            _("La subvention demandée (%(requested)s) dépasse le plafond de %(ceiling)s.") % values
        )

    def describe(self, params):
        if params["amount"] is None:
            return _("La subvention demandée ne dépasse pas le plafond de l'appel.")
        return _("La subvention demandée ne dépasse pas %(ceiling)s.") % {
            "ceiling": _money(str(params["amount"]))
        }


@register
class LumpSumAmount(Kind):
    kind = RuleKind.LUMP_SUM_AMOUNT
    section = Section.BUDGET
    parameters = NoParameters

    def evaluate(self, params, facts, at):
        if facts.call.cost_model != CostModel.LUMP_SUM:
            return Verdict(NOT_APPLICABLE, {"amounts": [], "chosen": None})
        figures = {
            "amounts": [str(amount) for amount in facts.call.lump_sums],
            "chosen": str(facts.lump_sum) if facts.lump_sum is not None else None,
        }
        return Verdict(PASS if facts.lump_sum in facts.call.lump_sums else FAIL, figures)

    def message(self, status, figures):
        if status == NOT_APPLICABLE:
            return _("L'appel finance des coûts réels, pas des montants forfaitaires.")
        values = {
            "chosen": _money(figures["chosen"]),
            "amounts": _join(_money(amount) for amount in figures["amounts"]),
        }
        if figures["chosen"] is None:
            return (
                _("Aucun montant forfaitaire n'est choisi ; montants possibles : %(amounts)s.")
                % values
            )
        if status == PASS:
            return (
                _("Le montant forfaitaire de %(chosen)s fait partie de ceux de l'appel.") % values
            )
        return (
            _(
                "Le montant de %(chosen)s n'est pas l'un des montants forfaitaires de l'appel : %(amounts)s."
            )
            % values
        )

    def describe(self, params):
        return _("Le montant demandé est l'un des montants forfaitaires de l'appel.")


class _RateParameters(Parameters):
    rate = _rate_field(gettext_lazy("taux (%)"), required=False)


@register
class MaxCofinancingRate(Kind):
    kind = RuleKind.MAX_COFINANCING_RATE
    section = Section.COFINANCING
    parameters = _RateParameters

    def evaluate(self, params, facts, at):
        if facts.call.cost_model == CostModel.LUMP_SUM:
            return Verdict(NOT_APPLICABLE, {"maximum": None})
        maximum = params["rate"] if params["rate"] is not None else facts.call.max_cofinancing_rate
        total, eu = facts.total_cost, facts.eu_total
        figures = {"maximum": str(maximum), "total": str(total), "eu": str(eu), "rate": None}
        if not total:
            return Verdict(FAIL, figures)
        within = eu * 100 <= maximum * total
        figures["rate"] = str(_rate(eu, total, ROUND_FLOOR if within else ROUND_CEILING))
        return Verdict(PASS if within else FAIL, figures)

    def message(self, status, figures):
        if figures["maximum"] is None:
            return _("Un appel à montants forfaitaires ne fixe pas de taux de cofinancement.")
        values = {
            "maximum": _percent(figures["maximum"]),
            "rate": _percent(figures["rate"]),
            "eu": _money(figures["eu"]),
            "total": _money(figures["total"]),
        }
        if figures["rate"] is None:
            return (
                _(
                    "Le budget est vide : le taux de cofinancement de l'UE (au plus %(maximum)s) ne peut pas être calculé."
                )
                % values
            )
        if status == PASS:
            return (
                _(
                    "L'UE finance %(rate)s du coût total (%(eu)s sur %(total)s), dans la limite de %(maximum)s."
                )
                % values
            )
        return (
            _(
                "L'UE financerait %(rate)s du coût total (%(eu)s sur %(total)s) ; le taux maximal est de %(maximum)s."
            )
            % values
        )

    def describe(self, params):
        if params["rate"] is None:
            return _("La part de l'UE ne dépasse pas le taux maximal de cofinancement de l'appel.")
        return _("La part de l'UE ne dépasse pas %(rate)s du coût total.") % {
            "rate": _percent(str(params["rate"]))
        }


class _OwnContributionParameters(Parameters):
    rate = _rate_field(gettext_lazy("taux minimal (%)"))


@register
class MinOwnContribution(Kind):
    kind = RuleKind.MIN_OWN_CONTRIBUTION
    section = Section.COFINANCING
    parameters = _OwnContributionParameters

    def evaluate(self, params, facts, at):
        if facts.call.cost_model == CostModel.LUMP_SUM:
            return Verdict(NOT_APPLICABLE, {"minimum": None})
        total, own = facts.total_cost, facts.own_funds_total
        figures = {
            "minimum": str(params["rate"]),
            "total": str(total),
            "own": str(own),
            "rate": None,
        }
        if not total:
            return Verdict(FAIL, figures)
        enough = own * 100 >= params["rate"] * total
        figures["rate"] = str(_rate(own, total, ROUND_CEILING if enough else ROUND_FLOOR))
        return Verdict(PASS if enough else FAIL, figures)

    def message(self, status, figures):
        if figures["minimum"] is None:
            return _("Un appel à montants forfaitaires ne demande pas d'autofinancement.")
        values = {
            "minimum": _percent(figures["minimum"]),
            "rate": _percent(figures["rate"]),
            "own": _money(figures["own"]),
            "total": _money(figures["total"]),
        }
        if figures["rate"] is None:
            return (
                _(
                    "Le budget est vide : l'autofinancement (au moins %(minimum)s) ne peut pas être calculé."
                )
                % values
            )
        if status == PASS:
            return (
                _(
                    "L'autofinancement couvre %(rate)s du coût total (%(own)s sur %(total)s), au moins %(minimum)s requis."
                )
                % values
            )
        return (
            _(
                "L'autofinancement couvre %(rate)s du coût total (%(own)s sur %(total)s) ; au moins %(minimum)s sont requis."
            )
            % values
        )

    def describe(self, params):
        return _("L'autofinancement couvre au moins %(rate)s du coût total.") % {
            "rate": _percent(str(params["rate"]))
        }


class _MinChosen(Kind):
    """At least N items chosen by the dossier among those its call offers (all the
    dossier's choices count when the call offers no list)."""

    section = Section.PRIORITIES
    parameters = _MinimumParameters
    chosen_attribute: str  # the set of ids on the dossier's facts and on the call's

    def evaluate(self, params, facts, at):
        chosen = getattr(facts, self.chosen_attribute)
        offered = getattr(facts.call, self.chosen_attribute)
        count = len(chosen & offered) if offered else len(chosen)
        figures = {"minimum": params["minimum"], "count": count}
        return Verdict(PASS if count >= params["minimum"] else FAIL, figures)


@register
class MinPriorities(_MinChosen):
    kind = RuleKind.MIN_PRIORITIES
    chosen_attribute = "priority_ids"

    def message(self, status, figures):
        required = (
            ngettext(
                "Au moins %(minimum)d priorité de l'appel est à choisir",
                "Au moins %(minimum)d priorités de l'appel sont à choisir",
                figures["minimum"],
            )
            % figures
        )
        chosen = (
            ngettext("%(count)d est choisie", "%(count)d sont choisies", figures["count"]) % figures
        )
        return _two_clauses(required, chosen)

    def describe(self, params):
        return (
            ngettext(
                "Au moins %(minimum)d priorité choisie dans la liste de l'appel.",
                "Au moins %(minimum)d priorités choisies dans la liste de l'appel.",
                params["minimum"],
            )
            % params
        )


@register
class MinTargetGroups(_MinChosen):
    kind = RuleKind.MIN_TARGET_GROUPS
    chosen_attribute = "target_group_ids"

    def message(self, status, figures):
        required = (
            ngettext(
                "Au moins %(minimum)d public cible est à choisir",
                "Au moins %(minimum)d publics cibles sont à choisir",
                figures["minimum"],
            )
            % figures
        )
        chosen = (
            ngettext("%(count)d est choisi", "%(count)d sont choisis", figures["count"]) % figures
        )
        return _two_clauses(required, chosen)

    def describe(self, params):
        return (
            ngettext(
                "Au moins %(minimum)d public cible choisi.",
                "Au moins %(minimum)d publics cibles choisis.",
                params["minimum"],
            )
            % params
        )


class _AttachmentsParameters(Parameters):
    document_types = forms.JSONField(required=False, label=gettext_lazy("types de pièces"))

    def clean_document_types(self):
        from ..models import DocumentType

        codes = self.cleaned_data["document_types"]
        if codes in (None, "", []):
            return []
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise ValidationError(
                _('Donnez une liste de codes de types de pièces, par exemple ["statuts"].')
            )
        if not self.check_references:
            return codes
        known = set(DocumentType.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(
                _("Types de pièces inconnus : %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return codes


@register
class RequiredAttachments(Kind):
    kind = RuleKind.REQUIRED_ATTACHMENTS
    section = Section.ATTACHMENTS
    parameters = _AttachmentsParameters

    def evaluate(self, params, facts, at):
        documents = facts.call.document_types
        codes = params["document_types"] or list(facts.call.required_documents)
        consortium = _consortium(facts, include_associated=False)
        missing = []
        for code in codes:
            name, per_partner = documents.get(code, (code, False))
            if per_partner:
                lacking = [
                    p.name
                    for p in consortium
                    if (code, p.id) not in facts.attachments
                    and not (p.is_lead and (code, None) in facts.attachments)
                ]
                if lacking:
                    missing.append({"document": name, "partners": lacking})
            elif not any(kind == code for kind, _partner in facts.attachments):
                missing.append({"document": name, "partners": []})
        figures = {"required": len(codes), "missing": missing}
        if not codes:
            return Verdict(NOT_APPLICABLE, figures)
        return Verdict(FAIL if missing else PASS, figures)

    def message(self, status, figures):
        if status == NOT_APPLICABLE:
            return _("L'appel ne demande pas de pièce jointe.")
        if status == PASS:
            return ngettext(
                "La pièce requise est jointe.",
                "Les %(count)d pièces requises sont jointes.",
                figures["required"],
            ) % {"count": figures["required"]}
        parts = [
            f"{entry['document']} ({_join(entry['partners'])})"
            if entry["partners"]
            else entry["document"]
            for entry in figures["missing"]
        ]
        return ngettext(
            "Pièce manquante : %(list)s.", "Pièces manquantes : %(list)s.", len(parts)
        ) % {"list": _series(parts)}

    def describe(self, params):
        if not params["document_types"]:
            return _("Les pièces demandées par l'appel sont jointes.")
        from ..models import DocumentType

        names = dict(
            DocumentType.objects.filter(code__in=params["document_types"]).values_list(
                "code", "name"
            )
        )
        return _("Ces pièces sont jointes : %(names)s.") % {
            "names": _join(names.get(code, code) for code in params["document_types"])
        }


class _CommitmentParameters(Parameters):
    include_associated = _Flag(gettext_lazy("y compris les partenaires associés"))


@register
class CommitmentsSigned(Kind):
    kind = RuleKind.COMMITMENTS_SIGNED
    section = Section.CONSORTIUM
    parameters = _CommitmentParameters

    def evaluate(self, params, facts, at):
        consortium = _consortium(facts, params["include_associated"])
        unsigned = [p.name for p in consortium if not p.commitment_signed]
        figures = {"count": len(consortium), "unsigned": unsigned}
        return Verdict(FAIL if unsigned or not consortium else PASS, figures)

    def message(self, status, figures):
        if status == PASS:
            return (
                ngettext(
                    "L'organisation a signé sa lettre d'engagement.",
                    "Les %(count)d organisations ont signé leur lettre d'engagement.",
                    figures["count"],
                )
                % figures
            )
        if not figures["count"]:
            return _("Le consortium n'a encore aucune organisation.")
        return ngettext(
            "%(count)d organisation n'a pas encore signé sa lettre d'engagement : %(list)s.",
            "%(count)d organisations n'ont pas encore signé leur lettre d'engagement : %(list)s.",
            len(figures["unsigned"]),
        ) % {"count": len(figures["unsigned"]), "list": _join(figures["unsigned"])}

    def describe(self, params):
        return _("Chaque organisation du consortium a signé sa lettre d'engagement.")


@register
class SubmissionWindow(Kind):
    kind = RuleKind.SUBMISSION_WINDOW
    section = Section.SUBMISSION
    parameters = NoParameters

    def evaluate(self, params, facts, at):
        moment = facts.submitted_at or at
        figures = {
            "opens": facts.call.opens_at.isoformat(),
            "closes": facts.call.closes_at.isoformat(),
            "at": moment.isoformat(),
            "submitted": facts.submitted_at is not None,
        }
        inside = facts.call.opens_at <= moment < facts.call.closes_at
        return Verdict(PASS if inside else FAIL, figures)

    def message(self, status, figures):
        values = {
            "opens": _instant(figures["opens"]),
            "closes": _instant(figures["closes"]),
            "at": _instant(figures["at"]),
        }
        if status == PASS:
            if figures["submitted"]:
                return _("Déposé le %(at)s, avant la clôture du %(closes)s.") % values
            return (
                _("L'appel est ouvert : dépôt possible jusqu'au %(closes)s (heure de Paris).")
                % values
            )
        if dt.datetime.fromisoformat(figures["at"]) < dt.datetime.fromisoformat(figures["opens"]):
            return (
                _(
                    "L'appel ouvre le %(opens)s (heure de Paris) : le dépôt n'est pas encore possible."
                )
                % values
            )
        if figures["submitted"]:
            return _("Déposé le %(at)s, après la clôture du %(closes)s.") % values
        return (
            _("L'appel a été clos le %(closes)s (heure de Paris) : le dépôt n'est plus possible.")
            % values
        )

    def describe(self, params):
        return _(
            "Le dossier est déposé pendant la période d'ouverture de l'appel ; l'heure limite est celle du serveur, heure de Paris."
        )


def validate_parameters(kind: str, raw) -> dict:
    """The rule's parameters checked and normalised for storage (JSON), without those that
    equal their default, or a ``ValidationError`` whose messages name the parameter and
    what is wrong."""
    fields = REGISTRY[kind].parameters.base_fields if kind in REGISTRY else {}
    return {
        name: value
        for name, value in _to_json(parse_parameters(kind, raw)).items()
        if name not in fields or fields[name].initial is None or value != fields[name].initial
    }


def parse_parameters(kind: str, raw, *, check_references: bool = True) -> dict:
    """The rule's parameters as the kind's function reads them (dates, decimals)."""
    spec = REGISTRY.get(kind)
    if spec is None:
        raise ValidationError(_("Nature de règle inconnue : %(kind)s.") % {"kind": kind})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError(
            _('Les paramètres s\'écrivent comme un objet JSON, par exemple {"minimum": 3}.')
        )
    form = spec.parameters(raw, check_references=check_references)
    if not form.is_valid():
        messages = []
        for name, errors in form.errors.items():
            for error in errors:
                if name == "__all__":
                    messages.append(str(error))
                else:
                    label = form.fields[name].label or name
                    messages.append(
                        _("%(name)s (%(label)s) : %(error)s")
                        % {"name": name, "label": label, "error": error}
                    )
        raise ValidationError(messages)
    return form.cleaned_data


def _to_json(params: dict) -> dict:
    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    # Stored without what equals the default (unset bounds, empty lists, flags left off).
    return {
        key: plain(value)
        for key, value in params.items()
        if value is not False and value not in (None, "", [])
    }
