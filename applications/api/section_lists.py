"""The sections of a dossier edited on their pages as lists (Django formsets) or as one
form on another object than the dossier: work packages, a work package's activities and
deliverables, indicators, a partner's budget lines and financing plan, the lump sum, a
partner's contact.

As for the other sections, the page's view is the adapter: its ``build_forms`` gives the
formsets that check the rows (with the page's messages, in the request's language), its
``can_edit`` who may change them, its ``version_key`` the version compared on save, its
``write`` the write. The JSON rows become the formset's posted data in one place,
``formset_data``: a row with an ``id`` changes that row (the fields not sent keep their
value), a row with a null ``id`` is added, an existing row missing from the list is
deleted, and a list not sent at all leaves its rows alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import NotFound, ValidationError

from applications import sections as dossier_sections
from applications import services
from applications.forms import InstanceChoiceField
from applications.views.base import SectionView
from applications.views.consortium import PartnerView
from applications.views.finance import BudgetView, PartnerBudgetView, PartnerCofinancingView
from applications.views.work import IndicatorsView, WorkPackagesView, WorkPackageView
from portal.api.exceptions import NON_FIELD_ERRORS

from . import write_serializers as w

META_FIELDS = ("section", "version", "editable")

UNKNOWN_ROW = _("Aucune ligne de cette section n'a l'identifiant %(id)s.")
REPEATED_ROW = _("La ligne %(id)s figure deux fois dans la liste.")
NOT_A_ROW = _("Chaque ligne est un objet JSON.")
NOT_A_LIST = _("Envoyez une liste de lignes.")
NOT_A_VALUE = _("Envoyez une valeur simple (texte, nombre, booléen).")
FLOAT_MONEY = _('Envoyez le montant en texte, par exemple "12500.50", jamais en nombre à virgule.')
NO_LUMP_SUM = _(
    "Cet appel finance les coûts réels : son budget est fait des lignes de chaque "
    "partenaire, il n'a pas de montant forfaitaire."
)


@dataclass(frozen=True)
class ListSection:
    """A section the API edits as lists (``lists``: JSON name → the page's formset) or as
    one form on an object of its own (``form``: the page's form), its rows' relations named
    by an attribute of the related object (a partner's or a work package's number)."""

    page: type[SectionView]
    serializer: type[w.SectionSerializer]
    lists: dict[str, str] = field(default_factory=dict)
    form: str | None = None
    relations: dict[str, str] = field(default_factory=dict)
    numbered: bool = False


SECTIONS = {
    "work_packages": ListSection(
        WorkPackagesView,
        w.WorkPackagesSectionSerializer,
        lists={"rows": "formset"},
        relations={"lead_partner": "number"},
    ),
    "indicators": ListSection(
        IndicatorsView, w.IndicatorsSectionSerializer, lists={"rows": "formset"}
    ),
    "lump_sum": ListSection(BudgetView, w.LumpSumSectionSerializer, form="form"),
}
NUMBERED_SECTIONS = {
    "work_package": ListSection(
        WorkPackageView,
        w.WorkPackageSectionSerializer,
        lists={"activities": "activities", "deliverables": "deliverables"},
        numbered=True,
    ),
    "budget": ListSection(
        PartnerBudgetView,
        w.BudgetSectionSerializer,
        lists={"rows": "formset"},
        relations={"work_package": "number"},
        numbered=True,
    ),
    "cofinancing": ListSection(
        PartnerCofinancingView,
        w.CofinancingSectionSerializer,
        lists={"rows": "formset"},
        numbered=True,
    ),
    "partner": ListSection(PartnerView, w.PartnerSectionSerializer, form="form", numbered=True),
}


def _fields(serializer) -> dict:
    return {
        name: value
        for name, value in serializer.fields.items()
        if name not in META_FIELDS and name != "id"
    }


def _row_serializer(spec: ListSection, name: str) -> drf_serializers.Serializer:
    return spec.serializer().fields[name].child


def _forms(spec: ListSection, view: SectionView, data=None) -> dict:
    forms = view.build_forms(data)
    if spec.form is not None and spec.form not in forms:
        # The budget page of a real-cost call has no lump sum to choose.
        raise NotFound(str(NO_LUMP_SUM))
    # Related objects are named by their number in the API (by their id on the page).
    for form in forms.values():
        for row in getattr(form, "forms", [form]):
            for name, attribute in spec.relations.items():
                choice = row.fields.get(name)
                if isinstance(choice, InstanceChoiceField):
                    choice.objects = {
                        str(getattr(obj, attribute)): obj for obj in choice.objects.values()
                    }
    return forms


def _value(instance, name: str, spec: ListSection):
    value = getattr(instance, name)
    if name in spec.relations:
        return getattr(value, spec.relations[name]) if value is not None else None
    return value


def _current_rows(spec: ListSection, formset, names) -> dict[int, dict]:
    """The formset's existing rows in the API's terms. The related objects are those the
    page has already loaded for its choices (no query per row)."""
    numbers: dict[str, dict] = {}
    for name, attribute in spec.relations.items():
        choice = formset.forms[0].fields.get(name) if formset.forms else None
        if isinstance(choice, InstanceChoiceField):
            numbers[name] = {obj.pk: getattr(obj, attribute) for obj in choice.objects.values()}
    rows = {}
    for form in formset.initial_forms:
        row = {}
        for name in names:
            if name in numbers:
                row[name] = numbers[name].get(getattr(form.instance, f"{name}_id"))
            else:
                row[name] = _value(form.instance, name, spec)
        rows[form.instance.pk] = row
    return rows


def section_data(spec: ListSection, view: SectionView, key: str) -> dict:
    """The section as the API shows it: its rows (or its form's fields), its version and
    whether the account may change it now."""
    forms = _forms(spec, view)
    values = {}
    if spec.form is not None:
        instance = forms[spec.form].instance
        for name in _fields(spec.serializer()):
            values[name] = _value(instance, name, spec)
    for json_name, form_name in spec.lists.items():
        names = _fields(_row_serializer(spec, json_name))
        values[json_name] = [
            {"id": pk, **row} for pk, row in _current_rows(spec, forms[form_name], names).items()
        ]
    values.update(
        section=key,
        version=services.section_version(application=view.application, key=view.version_key()),
        editable=view.can_edit(),
    )
    return spec.serializer(values).data


def _scalar(value, serializer_field) -> str:
    if isinstance(value, Mapping | list | tuple):
        raise ValueError(NOT_A_VALUE)
    if isinstance(value, float) and isinstance(serializer_field, drf_serializers.DecimalField):
        raise ValueError(FLOAT_MONEY)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    return str(value)


def formset_data(formset, rows, *, current: dict[int, dict], fields: dict) -> tuple[dict, dict]:
    """JSON rows → the posted data of ``formset`` (its management form, each row's id and
    fields, ``DELETE`` for an existing row missing from the list), with the position in the
    list of each form's row. A row's fields not sent keep their value. Raises a
    ``ValidationError`` keyed by the row's position for rows that are not rows."""
    if not isinstance(rows, list | tuple):
        raise ValidationError([str(NOT_A_LIST)])
    errors: dict[str, dict] = {}
    sent: dict[int, tuple[int, Mapping]] = {}
    new: list[tuple[int, Mapping]] = []
    for position, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[str(position)] = {NON_FIELD_ERRORS: [str(NOT_A_ROW)]}
            continue
        row_id = row.get("id")
        if row_id is None:
            new.append((position, row))
        elif isinstance(row_id, bool) or not isinstance(row_id, int) or row_id not in current:
            errors[str(position)] = {"id": [str(UNKNOWN_ROW % {"id": row_id})]}
        elif row_id in sent:
            errors[str(position)] = {"id": [str(REPEATED_ROW % {"id": row_id})]}
        else:
            sent[row_id] = (position, row)
    prefix = formset.prefix
    data: dict[str, str] = {}
    positions: dict[int, int] = {}

    def put(index: int, values: Mapping, position: int | None) -> None:
        for name, serializer_field in fields.items():
            try:
                data[f"{prefix}-{index}-{name}"] = _scalar(values.get(name), serializer_field)
            except ValueError as refused:
                errors.setdefault(str(position), {})[name] = [str(refused.args[0])]

    for index, pk in enumerate(current):
        data[f"{prefix}-{index}-id"] = str(pk)
        if pk in sent:
            position, row = sent[pk]
            positions[index] = position
            put(index, {**current[pk], **row}, position)
        else:
            data[f"{prefix}-{index}-DELETE"] = "on"
            put(index, current[pk], None)
    for offset, (position, row) in enumerate(new):
        index = len(current) + offset
        positions[index] = position
        put(index, row, position)
    if errors:
        raise ValidationError(errors)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(current) + len(new)),
            f"{prefix}-INITIAL_FORMS": str(len(current)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    return data, positions


def _errors(form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = NON_FIELD_ERRORS if name == "__all__" else name
        errors.setdefault(key, []).extend(str(message) for message in messages)
    return errors


def _lump_sum_choice(value, form) -> str:
    """A lump sum as the call's choice writes it (``60000.00`` for ``60000``)."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        return value
    if not amount.is_finite():
        return value
    for choice, _label in form.fields["lump_sum"].choices:
        if choice and Decimal(choice) == amount:
            return choice
    return value


def bound_forms(spec: ListSection, view: SectionView, body: Mapping) -> dict:
    """The page's forms bound to the JSON body, checked: a ``ValidationError`` with each
    row's messages under its list and position (``rows.2.amount``)."""
    unbound = _forms(spec, view)
    data: dict[str, str] = {}
    positions: dict[str, dict[int, int]] = {}
    errors: dict = {}
    if spec.form is not None:
        fields = _fields(spec.serializer())
        instance = unbound[spec.form].instance
        for name, serializer_field in fields.items():
            value = body[name] if name in body else _value(instance, name, spec)
            try:
                data[name] = _scalar(value, serializer_field)
            except ValueError as refused:
                errors[name] = [str(refused.args[0])]
        if "lump_sum" in data:
            data["lump_sum"] = _lump_sum_choice(data["lump_sum"], unbound[spec.form])
    for json_name, form_name in spec.lists.items():
        fields = _fields(_row_serializer(spec, json_name))
        current = _current_rows(spec, unbound[form_name], fields)
        rows = (
            body[json_name]
            if json_name in body
            else [{"id": pk} for pk in current]  # not sent: every row kept as it is
        )
        try:
            list_data, positions[form_name] = formset_data(
                unbound[form_name], rows, current=current, fields=fields
            )
        except ValidationError as error:
            errors[json_name] = error.detail
            continue
        data.update(list_data)
    if errors:
        raise ValidationError(errors)
    forms = _forms(spec, view, data)
    valid = all(form.is_valid() for form in forms.values())
    if valid:
        return forms
    if spec.form is not None:
        errors.update(_errors(forms[spec.form]))
    for json_name, form_name in spec.lists.items():
        formset = forms[form_name]
        list_errors: dict = {}
        for index, row in enumerate(formset.forms):
            if index in positions[form_name] and row.errors:
                list_errors[str(positions[form_name][index])] = _errors(row)
        if formset.non_form_errors():
            list_errors[NON_FIELD_ERRORS] = [str(m) for m in formset.non_form_errors()]
        if list_errors:
            errors[json_name] = list_errors
    raise ValidationError(errors or {NON_FIELD_ERRORS: [str(NOT_A_VALUE)]})


def section_key(key: str, number: int | None) -> str:
    return key if number is None else f"{key}/{number}"


def page_section(key: str) -> str:
    """The dossier's section a key belongs to (for a clarification's reopened sections)."""
    return {
        "lump_sum": dossier_sections.BUDGET,
        "work_package": dossier_sections.WORK_PACKAGES,
        "partner": dossier_sections.CONSORTIUM,
    }.get(key, key)
