"""Forms of the dossier's sections. Each field has its label and, where it helps, a hint;
Django ties the hint and the errors to the control (``aria-describedby``,
``aria-invalid``)."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .choices import CostCategory, FundingSource
from .models import (
    Activity,
    Application,
    BudgetLine,
    Cofinancing,
    Deliverable,
    Indicator,
    WorkPackage,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdentificationForm(forms.ModelForm):
    """Acronym, title, summary, the measure (when the call serves several), the dates; the
    duration is computed from the dates."""

    class Meta:
        model = Application
        fields = ["measure", "acronym", "title", "summary", "start_date", "end_date"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "acronym": _("Un nom court du projet, 40 caractères au plus."),
            "summary": _(
                "En quelques lignes : le problème traité, ce que le projet fera et pour qui."
            ),
            "end_date": _("La durée est calculée à partir des dates, en mois entamés."),
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        measures = call.measures.all()
        if measures:
            self.fields["measure"].queryset = measures
            self.fields["measure"].required = True
            self.fields["measure"].empty_label = _("— Choisir la mesure —")
        else:
            del self.fields["measure"]
        self.fields["title"].required = True
        self.fields["acronym"].required = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("La date de fin doit être postérieure ou égale à la date de début.")
            )
        return cleaned


class ContextForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["context", "objectives", "cross_border_added_value"]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 8}),
            "objectives": forms.Textarea(attrs={"rows": 8}),
            "cross_border_added_value": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "context": _("Le territoire, les besoins constatés, les chiffres qui les montrent."),
            "objectives": _("Ce que le projet veut atteindre, mesurable si possible."),
            "cross_border_added_value": _(
                "Pour les programmes de coopération : ce que le partenariat entre pays apporte "
                "de plus qu'un projet national."
            ),
        }


class PrioritiesForm(forms.ModelForm):
    """The priorities and target groups chosen among the call's lists."""

    class Meta:
        model = Application
        fields = ["priorities", "target_groups"]
        widgets = {
            "priorities": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        priorities = call.priorities.order_by("kind", "sector", "position", "pk")
        groups = call.target_groups.order_by("name")
        self.fields["priorities"].queryset = priorities
        self.fields["target_groups"].queryset = groups
        self.has_priorities = priorities.exists()
        self.has_target_groups = groups.exists()
        if not self.has_priorities:
            del self.fields["priorities"]
        if not self.has_target_groups:
            del self.fields["target_groups"]


# --- Lists of a dossier: work packages, indicators, budget lines, co-financing -------------

_SPACES = re.compile(r"[\s\u00a0\u202f'’€]")


def normalise_amount(value: str) -> str:
    """An amount as typed in French (``12 500,50``), Dutch (``12.500,50``) or English
    (``12,500.50``) written the way ``Decimal`` reads it (``12500.50``). Spaces (ordinary,
    non-breaking, narrow), apostrophes and the euro sign are dropped; when both a comma and a
    dot appear, the last one is the decimal separator; a lone comma is a decimal comma,
    except in a language whose thousand separator it is (English: ``12,500``)."""
    text = _SPACES.sub("", str(value))
    if "," in text and "." in text:
        decimal, thousands = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
        return text.replace(thousands, "").replace(decimal, ".")
    if "," in text:
        if formats.get_format("THOUSAND_SEPARATOR") == "," and re.fullmatch(
            r"-?\d{1,3}(,\d{3})+", text
        ):
            return text.replace(",", "")
        return text.replace(",", ".")
    return text


class AmountInput(forms.TextInput):
    """A text box for an amount, shown in the visitor's format (``12 500,50``), with the
    numeric keyboard on phones."""

    def __init__(self, attrs=None, decimal_places: int = 2):
        self.decimal_places = decimal_places
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
            return formats.number_format(
                value, self.decimal_places, use_l10n=True, force_grouping=True
            )
        return super().format_value(value)


class AmountField(forms.DecimalField):
    """An amount in euros (or a quantity) that accepts French input: ``1 234,56``."""

    def __init__(self, *, max_digits=14, decimal_places=2, min_value=Decimal("0"), **kwargs):
        kwargs.setdefault("widget", AmountInput(decimal_places=decimal_places))
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": _("Saisissez un montant, par exemple 12 500,50."),
                "min_value": _("Le montant ne peut pas être négatif."),
            },
        )
        super().__init__(
            max_digits=max_digits, decimal_places=decimal_places, min_value=min_value, **kwargs
        )

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            value = normalise_amount(value)
        return super().to_python(value)


class InstanceChoiceField(forms.ChoiceField):
    """A choice among objects the page has already loaded (the dossier's partners, its work
    packages): listing and checking them costs no query, whatever the number of rows."""

    def __init__(self, *, objects, label=None, empty_label="—", **kwargs):
        self.objects = {str(obj.pk): obj for obj in objects}
        label_of = label or str
        choices = [("", empty_label), *((pk, label_of(obj)) for pk, obj in self.objects.items())]
        super().__init__(choices=choices, **kwargs)

    def prepare_value(self, value):
        return getattr(value, "pk", value)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        obj = self.objects.get(str(getattr(value, "pk", value)))
        if obj is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return obj

    def validate(self, value):
        forms.Field.validate(self, value)

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        initial_key = "" if initial in self.empty_values else str(self.prepare_value(initial))
        data_key = "" if data in self.empty_values else str(data)
        return initial_key != data_key


def _month_errors(form, *, start: str, end: str | None, duration: int | None) -> None:
    """Months are counted from the project's first month (1); the end is not before the
    start; both lie within the project's duration when its dates are known."""
    cleaned = form.cleaned_data
    first, last = cleaned.get(start), cleaned.get(end) if end else None
    if first is not None and last is not None and last < first:
        form.add_error(end, _("Le mois de fin doit être postérieur ou égal au mois de début."))
    if duration:
        message = _("Le projet dure %(duration)s mois : indiquez un mois entre 1 et %(duration)s.")
        for name, month in ((start, first), (end, last)):
            if name and month is not None and month > duration and name not in form.errors:
                form.add_error(name, message % {"duration": duration})


class _RowForm(forms.ModelForm):
    """A row of a list: short labels, small boxes; months start at 1."""

    month_fields: tuple[str, ...] = ()

    def __init__(self, *args, duration: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration = duration
        for name in self.month_fields:
            field = self.fields[name]
            field.min_value = 1
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.validators.append(MinValueValidator(1))
            field.widget.attrs.update({"min": 1, "class": "input--month"})
            if duration:
                field.widget.attrs["max"] = duration


class WorkPackageForm(_RowForm):
    """A work package: its number, title, description, lead partner (among the dossier's)
    and months."""

    month_fields = ("start_month", "end_month")

    class Meta:
        model = WorkPackage
        fields = ["number", "title", "description", "lead_partner", "start_month", "end_month"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].min_value = 1
        self.fields["number"].validators = [
            *(v for v in self.fields["number"].validators if not isinstance(v, MinValueValidator)),
            MinValueValidator(1),
        ]
        self.fields["number"].widget.attrs.update({"min": 1, "class": "input--number"})
        self.fields["lead_partner"] = InstanceChoiceField(
            objects=partners,
            label=lambda partner: f"{partner.number}. {partner.organisation}",
            empty_label=_("— Choisir —"),
            required=True,
        )
        self.fields["lead_partner"].label = _("partenaire responsable")

    def clean(self):
        cleaned = super().clean()
        _month_errors(self, start="start_month", end="end_month", duration=self.duration)
        return cleaned


class _NumbersUniqueFormSet(BaseInlineFormSet):
    """Work packages: each number once in the dossier (said in words before Django's own
    check of duplicates, which would only say "correct the duplicates")."""

    def clean(self):
        seen: set[int] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            number = form.cleaned_data.get("number")
            if number is None:
                continue
            if number in seen:
                form.add_error(
                    "number",
                    _("Le numéro %(number)s est déjà utilisé par un autre module.")
                    % {"number": number},
                )
            seen.add(number)
        super().clean()


WorkPackageFormSet = inlineformset_factory(
    Application,
    WorkPackage,
    form=WorkPackageForm,
    formset=_NumbersUniqueFormSet,
    extra=1,
    can_delete=True,
)


class ActivityForm(_RowForm):
    month_fields = ("start_month", "end_month")

    class Meta:
        model = Activity
        fields = ["title", "description", "start_month", "end_month"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        _month_errors(self, start="start_month", end="end_month", duration=self.duration)
        return cleaned


class DeliverableForm(_RowForm):
    month_fields = ("due_month",)

    class Meta:
        model = Deliverable
        fields = ["title", "description", "due_month"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        _month_errors(self, start="due_month", end=None, duration=self.duration)
        return cleaned


ActivityFormSet = inlineformset_factory(
    WorkPackage, Activity, form=ActivityForm, extra=1, can_delete=True
)
DeliverableFormSet = inlineformset_factory(
    WorkPackage, Deliverable, form=DeliverableForm, extra=1, can_delete=True
)


class IndicatorForm(forms.ModelForm):
    target_value = AmountField(
        label=_("valeur cible"),
        max_digits=12,
        error_messages={
            "invalid": _("Saisissez un nombre, par exemple 120 ou 12,5."),
            "min_value": _("La valeur cible ne peut pas être négative."),
        },
    )

    class Meta:
        model = Indicator
        fields = ["code", "name", "kind", "unit", "target_value"]


IndicatorFormSet = inlineformset_factory(
    Application, Indicator, form=IndicatorForm, extra=1, can_delete=True
)


class BudgetLineForm(forms.ModelForm):
    """A line of a partner's budget (real-cost calls): category, year within the project,
    work package (optional, among the dossier's), description, amount."""

    amount = AmountField(label=_("montant (EUR)"))

    class Meta:
        model = BudgetLine
        fields = ["cost_category", "year", "work_package", "description", "amount"]

    def __init__(self, *args, work_packages, years: range | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        self.fields["cost_category"].choices = [
            ("", _("— Choisir —")),
            *((value, label) for value, label in CostCategory.choices if value != "lump_sum"),
        ]
        self.fields["year"].widget.attrs.update({"class": "input--year"})
        if years:
            self.fields["year"].widget.attrs.update({"min": years.start, "max": years.stop - 1})
        self.fields["work_package"] = InstanceChoiceField(
            objects=work_packages,
            label=lambda wp: f"{wp.number}. {wp.title}",
            empty_label=_("— Aucun —"),
            required=False,
        )
        self.fields["work_package"].label = _("module")

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is None:
            return year
        if self.years and year not in self.years:
            raise ValidationError(
                _(
                    "L'année %(year)s est hors du projet : indiquez une année de %(first)s à "
                    "%(last)s."
                ),
                params={"year": year, "first": self.years.start, "last": self.years.stop - 1},
            )
        if not 2000 <= year <= 2100:
            raise ValidationError(_("Indiquez une année sur quatre chiffres, par exemple 2027."))
        return year


BudgetLineFormSet = inlineformset_factory(
    Partner, BudgetLine, form=BudgetLineForm, extra=1, can_delete=True
)


class CofinancingForm(forms.ModelForm):
    """One resource of a partner's financing plan."""

    amount = AmountField(label=_("montant (EUR)"))

    class Meta:
        model = Cofinancing
        fields = ["source", "funder", "amount", "is_secured"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("— Choisir —")), *FundingSource.choices]


CofinancingFormSet = inlineformset_factory(
    Partner, Cofinancing, form=CofinancingForm, extra=1, can_delete=True
)


class LumpSumForm(forms.ModelForm):
    """The lump sum asked for, among the call's amounts (lump-sum calls)."""

    class Meta:
        model = Application
        fields = ["lump_sum"]

    def __init__(self, *args, amounts, **kwargs):
        super().__init__(*args, **kwargs)
        from calls.templatetags.portal_format import money

        def label(amount: Decimal) -> str:
            return money(amount, 0 if amount == amount.to_integral_value() else 2)

        self.fields["lump_sum"] = forms.TypedChoiceField(
            label=_("Montant forfaitaire demandé"),
            choices=[(str(amount), label(amount)) for amount in amounts],
            coerce=Decimal,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Choisissez l'un des montants forfaitaires de l'appel."),
                "invalid_choice": _(
                    "Ce montant n'est pas l'un des montants forfaitaires de l'appel."
                ),
            },
        )
        if self.instance.lump_sum is not None:
            self.initial["lump_sum"] = str(self.instance.lump_sum)
