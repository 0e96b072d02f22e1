"""Forms of the authorities' side: the officers' queue's filters and its bulk assignment of
assessors."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from applications.choices import ApplicationStatus
from partners.choices import COUNTRY_CHOICES, LegalType

from . import selectors
from .permissions import applications_for_officer, calls_for_officer

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = PAGE_SIZES[0]
QUEUE_STATUSES = [
    (value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT
]
# Statuses sorted in the order of the workflow, not alphabetically.
_STATUS_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, (value, _label) in enumerate(QUEUE_STATUSES)),
    default=Value(len(QUEUE_STATUSES)),
    output_field=IntegerField(),
)


class QueueFilterForm(forms.Form):
    """The base of the queue's filter form: the page size, beside the filters."""

    per_page = forms.TypedChoiceField(
        label=_("Dossiers par page"),
        choices=[(size, size) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
        error_messages={"invalid_choice": _("Choisissez 25, 50 ou 100 dossiers par page.")},
    )


class QueueOrderingFilter(django_filters.OrderingFilter):
    """The whitelisted sorts of the queue (``ordering=-budget``); the most recent
    submissions first by default; the primary key breaks ties, so that pages never
    overlap."""

    DEFAULT = ["-submitted_at"]

    def filter(self, qs, value):
        params = list(value or self.DEFAULT)
        ordering = []
        for param in params:
            descending = param.startswith("-")
            field = self.param_map[param.lstrip("-")]
            if field == "status":
                qs = qs.alias(status_rank=_STATUS_RANK)
                field = "status_rank"
            if field == "total_budget":
                # A dossier without a frozen version (none in a well-kept base) sorts last.
                ordering.append(
                    F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
                )
            else:
                ordering.append(f"-{field}" if descending else field)
        return qs.order_by(*ordering, "pk")


def _choices(choices, empty_label):
    return {"choices": choices, "empty_label": empty_label}


class QueueFilterSet(django_filters.FilterSet):
    """The filters of the officers' queue, read from the query string. The choices of the
    calls, measures and assessors are the officer's own, read once (three queries) when the
    filter set is built; a value outside them is an error shown beside its field, and
    that filter is not applied."""

    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="filter_search",
        help_text=_("Référence, acronyme, intitulé ou nom d'une organisation du consortium."),
    )
    call = django_filters.ChoiceFilter(
        label=_("Appel"), field_name="call__reference", empty_label=_("Tous les appels")
    )
    measure = django_filters.ChoiceFilter(
        label=_("Mesure"), field_name="measure_id", empty_label=_("Toutes les mesures")
    )
    status = django_filters.ChoiceFilter(
        label=_("État"), choices=QUEUE_STATUSES, empty_label=_("Tous les états")
    )
    country = django_filters.ChoiceFilter(
        label=_("Pays du chef de file"),
        choices=COUNTRY_CHOICES,
        field_name="lead__organisation__country",
        empty_label=_("Tous les pays"),
    )
    legal_type = django_filters.ChoiceFilter(
        label=_("Statut juridique du chef de file"),
        choices=LegalType.choices,
        field_name="lead__organisation__legal_type",
        empty_label=_("Tous les statuts"),
    )
    verdict = django_filters.ChoiceFilter(
        label=_("Éligibilité au dépôt"),
        choices=selectors.VERDICT_CHOICES,
        field_name="verdict",
        empty_label=_("Tous les verdicts"),
    )
    assessor = django_filters.ChoiceFilter(
        label=_("Évaluateur"), method="filter_assessor", empty_label=_("Tous les évaluateurs")
    )
    submitted_from = django_filters.DateFilter(
        label=_("Déposé à partir du"),
        method="filter_submitted_from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    submitted_to = django_filters.DateFilter(
        label=_("Déposé jusqu'au"),
        method="filter_submitted_to",
        help_text=_("Ce jour inclus."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ordering = QueueOrderingFilter(
        label=_("Trier par"),
        fields=(
            ("reference", "reference"),
            ("submitted_at", "submitted_at"),
            ("status", "status"),
            ("total_budget", "budget"),
            ("lead__organisation__legal_name", "lead"),
        ),
        field_labels={
            "reference": _("Référence"),
            "submitted_at": _("Date de dépôt"),
            "status": _("État"),
            "total_budget": _("Budget total"),
            "lead__organisation__legal_name": _("Chef de file"),
        },
    )

    class Meta:
        form = QueueFilterForm
        fields: list[str] = []

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, queryset=selectors.queue_base(user), **kwargs)
        self.user = user
        # (1) the officer's calls, (2) their measures, (3) their authorities' assessors.
        self.calls = list(calls_for_officer(user).order_by("-opens_at", "reference"))
        self.measures = list(selectors.measures_for_officer(user))
        self.assessors = list(selectors.assessors_for_officer(user))
        self.filters["call"].extra["choices"] = [
            (call.reference, f"{call.reference} — {call.title}") for call in self.calls
        ]
        self.filters["measure"].extra["choices"] = [
            (str(measure.pk), f"{measure.code} — {measure.name}") for measure in self.measures
        ]
        self.filters["assessor"].extra["choices"] = [
            (str(person.pk), person.get_full_name() or person.email) for person in self.assessors
        ]

    # The filters that are not a plain lookup.

    def filter_search(self, queryset, name, value):
        return selectors.search(queryset, value)

    def filter_assessor(self, queryset, name, value):
        return selectors.assessed_by(queryset, int(value))

    def filter_submitted_from(self, queryset, name, value):
        return selectors.submitted_between(queryset, value, None)

    def filter_submitted_to(self, queryset, name, value):
        return selectors.submitted_between(queryset, None, value)

    # Filtering, with or without some of the filters.

    def filter_queryset(self, queryset, *, skip=()):
        cleaned = self.form.cleaned_data
        for name, value in cleaned.items():
            if name in self.filters and name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        if "ordering" not in cleaned and "ordering" not in skip:  # a sort not offered
            queryset = self.filters["ordering"].filter(queryset, None)
        return queryset

    def qs_without(self, *names):
        """The officer's dossiers under every valid filter but ``names`` (and unsorted):
        the counts per status are those of the other filters."""
        self.errors  # noqa: B018 (validates the form)
        return self.filter_queryset(self.queryset.all(), skip=(*names, "ordering"))

    @property
    def per_page(self) -> int:
        self.errors  # noqa: B018
        return self.form.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE

    @property
    def active(self) -> bool:
        """Whether any filter other than the sort and the page size is applied."""
        self.errors  # noqa: B018
        return any(
            value not in (None, "", [])
            for name, value in self.form.cleaned_data.items()
            if name not in ("ordering", "per_page")
        )


class BulkAssignForm(forms.Form):
    """Dossiers ticked in the queue and the assessors to assign them to. A dossier the
    officer does not instruct is not a choice (the view answers 404); an assessor outside
    the pools of the officer's authorities is refused with a message."""

    ids = forms.ModelMultipleChoiceField(
        label=_("Dossiers"),
        queryset=None,
        error_messages={"required": _("Cochez au moins un dossier dans la liste.")},
    )
    assessors = forms.ModelMultipleChoiceField(
        label=_("Évaluateurs"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un évaluateur."),
            "invalid_choice": _(
                "Cette personne n'est pas évaluatrice de votre autorité de gestion : "
                "choisissez dans la liste."
            ),
            "invalid_pk_value": _("Choisissez les évaluateurs dans la liste."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = applications_for_officer(user).select_related(
            "call__authority"
        )
        self.fields["assessors"].queryset = selectors.assessors_for_officer(user)

    @property
    def refers_to_unknown_dossier(self) -> bool:
        """Whether a ticked dossier is not one the officer instructs (or not a number)."""
        return any(
            error.code in ("invalid_choice", "invalid_pk_value")
            for error in self.errors.as_data().get("ids", [])
        )
