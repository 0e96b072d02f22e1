"""Forms of the progress report's pages. They parse what was typed (dates, amounts in the
French way) and show the errors beside the fields; the rules (who, when, what a late work
package must say) are the services', whose errors are put back on the fields by
``add_service_errors``."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import AmountField, DateInput

from .choices import ReportStatus, WorkPackageState
from .selectors import IndicatorLine, WorkPackageLine
from .services import ExpenditureEntry, IndicatorEntry, WorkPackageEntry


def disable(form) -> None:
    """Show a form (or a formset) read-only: every field disabled, so ignored if posted."""
    for sub in form.forms if hasattr(form, "forms") else [form]:
        for field in sub.fields.values():
            field.disabled = True


def _add_error(form: forms.Form, field: str, message) -> None:
    form.add_error(field if field in form.fields else None, message)


class GeneralForm(forms.Form):
    """The report's date, the overall progress, the results, the added value."""

    report_date = forms.DateField(
        label=_("Date du rapport"),
        required=False,
        widget=DateInput(),
        help_text=_("Laissée vide, c'est la date du jour de la remise."),
        error_messages={"invalid": _("Saisissez une date valide, par exemple 27/04/2021.")},
    )
    overall_progress = forms.CharField(
        label=_("État d'avancement général"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Les modules mis en œuvre selon le plan de travail, ceux qui ne le sont pas, et "
            "les objectifs atteints."
        ),
    )
    results = forms.CharField(
        label=_("Principaux résultats"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ce que le projet a produit : formations, outils, études, publics touchés."),
    )
    added_value = forms.CharField(
        label=_("Plus-value transfrontalière ou transnationale"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que la coopération entre les partenaires et les pays a apporté."),
    )

    def add_service_errors(self, errors: Mapping) -> None:
        for field, message in errors.items():
            _add_error(self, field, message)


class WorkPackagesForm(forms.Form):
    """Per work package of the project, its state and its narrative (fields
    ``wp-<id>-state`` and ``wp-<id>-narrative``)."""

    def __init__(self, *args, lines: list[WorkPackageLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        states = [("", _("— Non renseigné —")), *WorkPackageState.choices]
        for line in lines:
            self.fields[self.state_name(line.work_package_id)] = forms.ChoiceField(
                label=_("État du module %(number)s") % {"number": line.number},
                choices=states,
                required=False,
                initial=line.state,
                error_messages={
                    "invalid_choice": _(
                        "Choisissez l'état du module : réalisé, en cours, en retard ou non démarré."
                    )
                },
            )
            self.fields[self.narrative_name(line.work_package_id)] = forms.CharField(
                label=_("Récit du module %(number)s") % {"number": line.number},
                required=False,
                initial=line.narrative,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_(
                    "Ce qui a été réalisé ; pour un module en retard ou non démarré, pourquoi, "
                    "et ce qui est prévu."
                ),
            )

    @staticmethod
    def state_name(work_package_id: int) -> str:
        return f"wp-{work_package_id}-state"

    @staticmethod
    def narrative_name(work_package_id: int) -> str:
        return f"wp-{work_package_id}-narrative"

    def rows(self):
        """Each work package with its two bound fields, for the template."""
        for line in self.lines:
            yield {
                "line": line,
                "state": self[self.state_name(line.work_package_id)],
                "narrative": self[self.narrative_name(line.work_package_id)],
            }

    def entries(self) -> list[WorkPackageEntry]:
        data = self.cleaned_data
        return [
            WorkPackageEntry(
                work_package_id=line.work_package_id,
                state=data.get(self.state_name(line.work_package_id)) or "",
                narrative=data.get(self.narrative_name(line.work_package_id)) or "",
            )
            for line in self.lines
        ]

    def add_service_errors(self, errors: Mapping) -> None:
        for key, message in errors.items():
            if isinstance(key, tuple):
                package_id, name = key
                field = (
                    self.state_name(package_id)
                    if name == "state"
                    else self.narrative_name(package_id)
                )
                _add_error(self, field, message)
            else:
                _add_error(self, key, message)


class IndicatorsForm(forms.Form):
    """Per indicator of the project, the value reached and a comment (fields
    ``ind-<id>-value`` and ``ind-<id>-comment``)."""

    def __init__(self, *args, lines: list[IndicatorLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[self.value_name(line.indicator_id)] = AmountField(
                label=_("Valeur atteinte : %(name)s") % {"name": line.name},
                max_digits=12,
                required=False,
                initial=line.reached,
                error_messages={
                    "invalid": _("Saisissez un nombre, par exemple 12 ou 12,5."),
                    "min_value": _("La valeur atteinte ne peut pas être négative."),
                    "max_digits": _("Saisissez un nombre de 10 chiffres au plus avant la virgule."),
                    "max_decimal_places": _("Saisissez au plus 2 décimales."),
                    "max_whole_digits": _(
                        "Saisissez un nombre de 10 chiffres au plus avant la virgule."
                    ),
                },
            )
            self.fields[self.comment_name(line.indicator_id)] = forms.CharField(
                label=_("Commentaire : %(name)s") % {"name": line.name},
                required=False,
                initial=line.comment,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    @staticmethod
    def value_name(indicator_id: int) -> str:
        return f"ind-{indicator_id}-value"

    @staticmethod
    def comment_name(indicator_id: int) -> str:
        return f"ind-{indicator_id}-comment"

    def rows(self):
        for line in self.lines:
            yield {
                "line": line,
                "value": self[self.value_name(line.indicator_id)],
                "comment": self[self.comment_name(line.indicator_id)],
            }

    def entries(self) -> list[IndicatorEntry]:
        data = self.cleaned_data
        return [
            IndicatorEntry(
                indicator_id=line.indicator_id,
                value=data.get(self.value_name(line.indicator_id)),
                comment=data.get(self.comment_name(line.indicator_id)) or "",
            )
            for line in self.lines
        ]

    def add_service_errors(self, errors: Mapping) -> None:
        for key, message in errors.items():
            if isinstance(key, tuple):
                indicator_id, name = key
                field = (
                    self.value_name(indicator_id)
                    if name == "value"
                    else self.comment_name(indicator_id)
                )
                _add_error(self, field, message)
            else:
                _add_error(self, key, message)


class ExpenditureForm(forms.Form):
    """A line of expenditure: cost category, description, amount."""

    cost_category = forms.ChoiceField(
        label=_("catégorie de coûts"),
        error_messages={
            "required": _("Choisissez la catégorie de coûts."),
            "invalid_choice": _("Choisissez l'une des catégories de coûts proposées."),
        },
    )
    description = forms.CharField(
        label=_("libellé"),
        max_length=255,
        required=False,
        error_messages={"max_length": _("Le libellé tient en 255 caractères au plus.")},
    )
    amount = AmountField(
        label=_("montant (EUR)"),
        error_messages={
            "required": _("Indiquez le montant."),
            "invalid": _("Saisissez un montant, par exemple 12 500,50."),
            "min_value": _("Le montant ne peut pas être négatif."),
            "max_digits": _("Saisissez un montant de 12 chiffres au plus avant la virgule."),
            "max_decimal_places": _("Saisissez au plus 2 décimales (les centimes)."),
            "max_whole_digits": _("Saisissez un montant de 12 chiffres au plus avant la virgule."),
        },
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cost_category"].choices = [("", _("— Choisir —")), *categories]


class BaseExpenditureFormSet(forms.BaseFormSet):
    """A partner's expenditure lines: the existing ones and a blank one to add a line;
    "Supprimer" removes a line."""

    def __init__(self, *args, categories, **kwargs):
        self.categories = categories
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "categories": self.categories}

    def kept(self) -> list[tuple[int, forms.Form]]:
        """The lines to keep, with their index among the forms: filled, not deleted."""
        return [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def entries(self) -> list[ExpenditureEntry]:
        return [
            ExpenditureEntry(
                cost_category=form.cleaned_data["cost_category"],
                description=form.cleaned_data.get("description") or "",
                amount=form.cleaned_data["amount"],
            )
            for _index, form in self.kept()
        ]

    def add_service_errors(self, errors: Mapping) -> None:
        kept = self.kept()
        for key, message in errors.items():
            if isinstance(key, tuple) and key[0] < len(kept):
                form = kept[key[0]][1]
                _add_error(form, key[1], message)
            else:
                self._non_form_errors = self.error_class(
                    [*self.non_form_errors(), message], error_class="nonform"
                )


ExpenditureFormSet = forms.formset_factory(
    ExpenditureForm, formset=BaseExpenditureFormSet, extra=1, can_delete=True
)


class SubmitForm(forms.Form):
    """The lead hands the report to the authority; the state the page showed is sent back,
    so that a stale page is told someone else acted first."""

    from_status = forms.ChoiceField(choices=ReportStatus.choices, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "Je certifie l'exactitude des informations de ce rapport, dépenses des partenaires "
            "comprises."
        ),
        error_messages={
            "required": _(
                "Cochez cette case pour certifier l'exactitude du rapport avant de le remettre."
            )
        },
    )


class AcceptForm(forms.Form):
    """An officer accepts the report, with an optional comment."""

    from_status = forms.ChoiceField(choices=ReportStatus.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il est envoyé au chef de file avec l'acceptation."),
    )


class ChangesForm(forms.Form):
    """An officer sends the report back to the lead: the changes asked are required."""

    from_status = forms.ChoiceField(choices=ReportStatus.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Modifications demandées"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce qui doit être complété ou corrigé ; le chef de file le reçoit par e-mail."),
        error_messages={"required": _("Indiquez les modifications demandées au chef de file.")},
    )

    def add_service_errors(self, errors: Mapping) -> None:
        for field, message in errors.items():
            _add_error(self, field, message)
