"""Forms of the assessors' and deciders' pages: they parse and say what is wrong with a
field; the rules themselves live in ``review.assessment`` and ``review.decisions``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationStatus, DecisionOutcome
from applications.forms import AmountField

from .assessment import ScoreInput, score_error
from .decisions import DECIDABLE_STATUSES, DecisionInput


def _date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date."),
            "invalid": _("Saisissez une date, par exemple 2026-06-30."),
        },
        **kwargs,
    )


def _text(label, *, required=True, rows=4, max_length=5000, help_text="", required_message=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or _("Ce champ est obligatoire.")},
    )


class AssessorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class AssignForm(forms.Form):
    assessors = AssessorChoiceField(
        label=_("Évaluateurs à désigner"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Seuls les évaluateurs de l'autorité qui ne sont pas déjà désignés."),
        error_messages={
            "required": _("Choisissez au moins un évaluateur."),
            "invalid_choice": _("Choisissez parmi les évaluateurs proposés."),
        },
    )

    def __init__(self, *args, pool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessors"].queryset = pool


class DeclareForm(forms.Form):
    no_conflict = forms.BooleanField(
        label=_(
            "Je déclare n'avoir aucun conflit d'intérêts avec ce dossier, son chef de file ni "
            "ses partenaires, et m'engage à en garder le contenu confidentiel."
        ),
        error_messages={
            "required": _("Cochez cette case pour déclarer l'absence de conflit d'intérêts.")
        },
    )


class DeclineForm(forms.Form):
    reason = _text(
        _("Motif"),
        help_text=_("Par exemple : je connais personnellement le porteur du projet."),
        required_message=_("Indiquez le motif pour lequel vous déclinez cette évaluation."),
        max_length=2000,
    )


class ScoresForm(forms.Form):
    """One score and one comment per criterion of the call, plus an overall comment. A
    criterion left blank stays unscored in a draft; the submission requires them all."""

    overall_comment = _text(_("Appréciation générale (facultatif)"), required=False, rows=4)

    def __init__(self, *args, criteria, scores=None, **kwargs):
        self.criteria = list(criteria)
        initial = kwargs.pop("initial", {}) or {}
        for score in (scores or {}).values():
            initial[f"score_{score.criterion_id}"] = score.score
            initial[f"comment_{score.criterion_id}"] = score.comment
        super().__init__(*args, initial=initial, **kwargs)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = AmountField(
                label=_("Note sur %(max)s") % {"max": _number(criterion.max_score)},
                required=False,
                max_digits=6,
                decimal_places=2,
                error_messages={
                    "invalid": _("Saisissez une note, par exemple 12 ou 12,5."),
                    "min_value": _("La note ne peut pas être négative."),
                    "max_decimal_places": _("Une note a au plus deux décimales."),
                    "max_digits": _("Saisissez une note, par exemple 12 ou 12,5."),
                    "max_whole_digits": _("Saisissez une note, par exemple 12 ou 12,5."),
                },
            )
            self.fields[f"comment_{criterion.pk}"] = _text(
                _("Justification"), required=False, rows=4
            )

    def rows(self):
        """(criterion, score field, comment field) for the template."""
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            score_name, comment_name = f"score_{criterion.pk}", f"comment_{criterion.pk}"
            if score_name in self.errors:
                continue
            message = score_error(criterion, data.get(score_name), data.get(comment_name, ""))
            if message:
                target = (
                    comment_name
                    if data.get(score_name) is not None
                    and not (data.get(comment_name) or "").strip()
                    else score_name
                )
                self.add_error(target, message)
        return data

    def scores(self) -> dict[int, ScoreInput]:
        return {
            criterion.pk: ScoreInput(
                score=self.cleaned_data.get(f"score_{criterion.pk}"),
                comment=self.cleaned_data.get(f"comment_{criterion.pk}") or "",
            )
            for criterion in self.criteria
        }

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            name = f"score_{key}" if isinstance(key, int) else key
            self.add_error(name if name in self.fields else None, message)


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


OUTCOME_CHOICES = [("", _("—")), *DecisionOutcome.choices]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Décision"),
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez la décision.")},
    )
    amount_granted = AmountField(
        label=_("Montant accordé (EUR)"),
        required=False,
        help_text=_("Obligatoire pour un dossier retenu ; au plus le montant demandé."),
    )
    committee = forms.CharField(
        label=_("Instance de décision"),
        max_length=255,
        required=False,
        help_text=_("Par exemple : comité de programmation du 12 juin 2026."),
    )
    decided_on = _date_field(_("Date de la décision"))
    reasons = _text(
        _("Motifs"),
        help_text=_("Ils sont communiqués au demandeur."),
        required_message=_("Motivez la décision : les motifs sont communiqués au demandeur."),
    )
    conditions = _text(_("Conditions (facultatif)"), required=False, rows=3)
    from_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        choices = DecisionOutcome.choices
        if application.status == ApplicationStatus.RESERVE:
            choices = [c for c in choices if c[0] != DecisionOutcome.RESERVE]
        self.fields["outcome"].choices = choices
        self.fields["from_status"].initial = application.status

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            self.add_error(key if key in self.fields else None, message)


class RankingForm(forms.Form):
    """The committee's decisions for a whole ranking: per decidable row an outcome, an
    amount for a selected dossier and optional reasons; common committee, date and
    reasons."""

    committee = forms.CharField(
        label=_("Instance de décision"),
        max_length=255,
        required=False,
        help_text=_("Par exemple : comité de sélection."),
    )
    decided_on = _date_field(_("Date du comité"))
    reasons = _text(
        _("Motifs communs"),
        required=False,
        help_text=_(
            "Communiqués au demandeur de chaque dossier décidé, suivis des motifs propres au "
            "dossier le cas échéant."
        ),
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.decidable = [row for row in rows if row.application.status in DECIDABLE_STATUSES]
        for row in self.decidable:
            application = row.application
            pk = application.pk
            choices = OUTCOME_CHOICES
            if application.status == ApplicationStatus.RESERVE:
                choices = [c for c in choices if c[0] != DecisionOutcome.RESERVE]
            self.fields[f"outcome_{pk}"] = forms.ChoiceField(
                label=_("Décision pour %(reference)s") % {"reference": application.reference},
                choices=choices,
                required=False,
            )
            self.fields[f"amount_{pk}"] = AmountField(
                label=_("Montant accordé pour %(reference)s")
                % {"reference": application.reference},
                required=False,
            )
            self.fields[f"reasons_{pk}"] = _text(
                _("Motifs propres à %(reference)s") % {"reference": application.reference},
                required=False,
                rows=2,
            )
            self.fields[f"status_{pk}"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=application.status
            )

    def fields_of(self, application):
        pk = application.pk
        if f"outcome_{pk}" not in self.fields:
            return None
        return {
            "outcome": self[f"outcome_{pk}"],
            "amount": self[f"amount_{pk}"],
            "reasons": self[f"reasons_{pk}"],
            "status": self[f"status_{pk}"],
        }

    def decisions(self) -> list[DecisionInput]:
        data = self.cleaned_data
        return [
            DecisionInput(
                application=row.application,
                outcome=data.get(f"outcome_{row.application.pk}") or "",
                amount_granted=data.get(f"amount_{row.application.pk}"),
                reasons=data.get(f"reasons_{row.application.pk}") or "",
                from_status=data.get(f"status_{row.application.pk}") or None,
            )
            for row in self.decidable
        ]

    def add_service_errors(self, errors: dict) -> None:
        by_reference = {row.application.reference: row.application.pk for row in self.decidable}
        seen = set()
        for reference, fields in errors.items():
            pk = by_reference.get(reference)
            if pk is None or not isinstance(fields, dict):
                self.add_error(None, f"{reference} : {fields}")
                continue
            for key, message in fields.items():
                if key == "decided_on":
                    if key not in seen and "decided_on" in self.cleaned_data:
                        self.add_error("decided_on", message)
                    seen.add(key)
                    continue
                if key == "reasons" and self.cleaned_data.get("reasons"):
                    continue
                name = {"outcome": "outcome", "amount_granted": "amount", "reasons": "reasons"}
                self.add_error(f"{name.get(key, 'outcome')}_{pk}", message)


class ContractForm(forms.Form):
    contract_reference = forms.CharField(
        label=_("Référence de la convention"),
        max_length=60,
        error_messages={"required": _("Indiquez la référence de la convention.")},
    )
    signed_on = _date_field(_("Date de signature"))
    from_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def add_service_errors(self, errors: dict) -> None:
        for key, message in errors.items():
            self.add_error(key if key in self.fields else None, message)
