"""Loads the reference data (funds, authorities, document types, programmes with their axes,
measures, target groups and priorities) from the hand-written JSON files of
``fixtures/reference/``.

Every row is upserted by its natural key (``Fund.code``, ``Authority.code``,
``DocumentType.code``, ``Programme.code``, (programme, axis code), (axis, measure code),
(programme, code) for target groups and priorities), validated with ``full_clean()`` and saved
only when a value differs, so a second load changes nothing. Nothing is ever deleted: a row
that left the files may still be referenced by calls and dossiers.

The helpers :class:`Tally`, :func:`upsert` and :func:`create_once` are shared with the demo
loader (``portal/demo.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from .models import Authority, Axis, DocumentType, Fund, Measure, Priority, Programme, TargetGroup

REFERENCE_DIR = Path(settings.BASE_DIR) / "fixtures" / "reference"

CREATED, UPDATED, UNCHANGED = "créées", "mises à jour", "inchangées"


class DataFileError(Exception):
    """A data file is malformed or names something that does not exist."""


@dataclass
class Tally:
    """How many rows of each model a load created, updated or left unchanged."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, model: type[models.Model], state: str) -> None:
        label = str(model._meta.verbose_name_plural)
        self.counts.setdefault(label, Counter())[state] += 1

    def lines(self) -> list[str]:
        return [
            f"{label} : {counter[CREATED]} lignes créées, {counter[UPDATED]} mises à jour, "
            f"{counter[UNCHANGED]} inchangées"
            for label, counter in self.counts.items()
        ]

    def total(self, state: str) -> int:
        return sum(counter[state] for counter in self.counts.values())


def _clean(obj: models.Model, what: str) -> None:
    """What ``full_clean()`` checks, less the existence query of the foreign keys that hold
    an instance already read or saved (they cannot be missing); uniqueness and constraints
    are still checked on every field."""
    loaded = [
        f.name
        for f in obj._meta.concrete_fields
        if f.is_relation and f.is_cached(obj) and getattr(obj, f.name) is not None
    ]
    try:
        obj.clean_fields(exclude=loaded)
        obj.clean()
        obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as error:
        raise DataFileError(f"{what} : {error.message_dict}") from None


def clean(obj: models.Model) -> None:
    """Validate ``obj`` as :func:`upsert` does, naming it in the error."""
    _clean(obj, f"{type(obj).__name__} {obj}")


def upsert(
    model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any], tally: Tally
) -> models.Model:
    """Create the row found by ``lookup``, or update the fields of ``values`` that differ."""
    what = f"{model.__name__} {lookup}"
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        _clean(obj, what)
        obj.save()
        tally.add(model, CREATED)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        tally.add(model, UNCHANGED)
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    _clean(obj, what)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        changed.append("updated_at")
    obj.save(update_fields=changed)
    tally.add(model, UPDATED)
    return obj


def create_once(
    model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any], tally: Tally
) -> tuple[models.Model, bool]:
    """The row found by ``lookup``, left as it is, or a new one made from ``values``."""
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        tally.add(model, UNCHANGED)
        return obj, False
    obj = model(**lookup, **values)
    _clean(obj, f"{model.__name__} {lookup}")
    obj.save()
    tally.add(model, CREATED)
    return obj, True


def read_json_files(directory: Path) -> list[tuple[str, dict]]:
    """Each ``*.json`` file of ``directory``, in name order, as (name, content)."""
    paths = sorted(Path(directory).glob("*.json"))
    if not paths:
        raise DataFileError(f"Aucun fichier JSON dans {directory}")
    documents = []
    for path in paths:
        try:
            documents.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except json.JSONDecodeError as error:
            raise DataFileError(f"{path.name} : JSON invalide ({error})") from None
    return documents


def fields_of(record: dict, *, allowed: set[str], required: set[str], where: str) -> dict:
    """The record without its comments (keys starting with "_"), checked against the keys a
    loader knows, so that a typo in a data file fails loudly instead of being ignored."""
    data = {key: value for key, value in record.items() if not key.startswith("_")}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DataFileError(f"{where} : clés inconnues {unknown}")
    missing = sorted(required - set(data))
    if missing:
        raise DataFileError(f"{where} : clés manquantes {missing}")
    return data


def as_lines(value: str | list[str]) -> str:
    """A list written one item per line (operation types, selection priorities)."""
    return "\n".join(value) if isinstance(value, list) else (value or "")


def as_paragraphs(value: str | list[str]) -> str:
    return "\n\n".join(value) if isinstance(value, list) else (value or "")


_FUND_KEYS = {"code", "name", "short_name", "description", "website"}
_AUTHORITY_KEYS = {
    "code",
    "name",
    "short_name",
    "kind",
    "department",
    "street",
    "postcode",
    "city",
    "country",
    "email",
    "phone",
    "website",
}
_DOCUMENT_TYPE_KEYS = {"code", "name", "description", "per_partner"}
_PROGRAMME_KEYS = {
    "code",
    "fund",
    "name",
    "short_name",
    "description",
    "period_start_year",
    "period_end_year",
    "managing_authority",
    "report_interval_months",
    "website",
    "target_groups",
    "priorities",
    "axes",
}
_AXIS_KEYS = {"code", "name", "objective", "description", "position", "measures"}
_MEASURE_KEYS = {
    "code",
    "name",
    "framework",
    "purposes",
    "operation_types",
    "selection_priorities",
    "eligible_organisations",
    "eligible_legal_types",
    "target_groups",
    "position",
}
_TARGET_GROUP_KEYS = {"code", "name", "description"}
_PRIORITY_KEYS = {"code", "kind", "sector", "name", "description"}


def _by_code(model: type[models.Model], code: str, where: str) -> models.Model:
    try:
        return model.objects.get(code=code)
    except model.DoesNotExist:
        raise DataFileError(f"{where} : {model.__name__} « {code} » inconnu") from None


def _load_programme(record: dict, *, where: str, tally: Tally) -> Programme:
    data = fields_of(
        record,
        allowed=_PROGRAMME_KEYS,
        required={"code", "fund", "name", "period_start_year", "period_end_year"},
        where=where,
    )
    authority_code = data.get("managing_authority")
    programme = upsert(
        Programme,
        lookup={"code": data["code"]},
        values={
            "fund": _by_code(Fund, data["fund"], where),
            "name": data["name"],
            "short_name": data.get("short_name", ""),
            "description": as_paragraphs(data.get("description", "")),
            "period_start_year": data["period_start_year"],
            "period_end_year": data["period_end_year"],
            "managing_authority": _by_code(Authority, authority_code, where)
            if authority_code
            else None,
            "report_interval_months": data.get("report_interval_months"),
            "website": data.get("website", ""),
        },
        tally=tally,
    )
    where = f"{where} / {programme.code}"

    target_groups = {}
    for item in data.get("target_groups", []):
        tg = fields_of(item, allowed=_TARGET_GROUP_KEYS, required={"code", "name"}, where=where)
        target_groups[tg["code"]] = upsert(
            TargetGroup,
            lookup={"programme": programme, "code": tg["code"]},
            values={"name": tg["name"], "description": tg.get("description", "")},
            tally=tally,
        )

    for position, item in enumerate(data.get("priorities", []), start=1):
        pr = fields_of(item, allowed=_PRIORITY_KEYS, required={"code", "kind", "name"}, where=where)
        upsert(
            Priority,
            lookup={"programme": programme, "code": pr["code"]},
            values={
                "kind": pr["kind"],
                "sector": pr.get("sector", ""),
                "name": pr["name"],
                "description": pr.get("description", ""),
                "position": position,
            },
            tally=tally,
        )

    for item in data.get("axes", []):
        ax = fields_of(item, allowed=_AXIS_KEYS, required={"code", "name"}, where=where)
        axis = upsert(
            Axis,
            lookup={"programme": programme, "code": ax["code"]},
            values={
                "name": ax["name"],
                "objective": ax.get("objective", ""),
                "description": as_paragraphs(ax.get("description", "")),
                "position": ax.get("position", 0),
            },
            tally=tally,
        )
        for position, measure_item in enumerate(ax.get("measures", []), start=1):
            _load_measure(
                measure_item,
                axis=axis,
                position=position,
                target_groups=target_groups,
                where=f"{where} / axe {axis.code}",
                tally=tally,
            )
    return programme


def _load_measure(
    record: dict,
    *,
    axis: Axis,
    position: int,
    target_groups: dict[str, TargetGroup],
    where: str,
    tally: Tally,
) -> Measure:
    data = fields_of(record, allowed=_MEASURE_KEYS, required={"code", "name"}, where=where)
    measure = upsert(
        Measure,
        lookup={"axis": axis, "code": data["code"]},
        values={
            "name": data["name"],
            "framework": data.get("framework", ""),
            "purposes": as_paragraphs(data.get("purposes", "")),
            "operation_types": as_lines(data.get("operation_types", "")),
            "selection_priorities": as_lines(data.get("selection_priorities", "")),
            "eligible_organisations": data.get("eligible_organisations", ""),
            "eligible_legal_types": list(data.get("eligible_legal_types", [])),
            "position": data.get("position", position),
        },
        tally=tally,
    )
    codes = data.get("target_groups", [])
    unknown = sorted(set(codes) - set(target_groups))
    if unknown:
        raise DataFileError(f"{where} / mesure {measure.code} : publics cibles inconnus {unknown}")
    measure.target_groups.set([target_groups[code] for code in codes])
    return measure


def load_reference(directory: Path | str | None = None, *, tally: Tally | None = None) -> Tally:
    """Load every file of ``directory`` (``fixtures/reference/`` by default) in one
    transaction: funds, authorities and document types first, then the programmes."""
    tally = tally or Tally()
    documents = read_json_files(Path(directory or REFERENCE_DIR))
    sections = {"funds", "authorities", "document_types", "programmes"}
    for name, content in documents:
        unknown = sorted(key for key in content if not key.startswith("_") and key not in sections)
        if unknown:
            raise DataFileError(f"{name} : sections inconnues {unknown}")

    def records(section: str):
        for name, content in documents:
            for index, record in enumerate(content.get(section, []), start=1):
                yield f"{name} / {section}[{index}]", record

    with transaction.atomic():
        for where, record in records("funds"):
            data = fields_of(record, allowed=_FUND_KEYS, required={"code", "name"}, where=where)
            upsert(
                Fund,
                lookup={"code": data.pop("code")},
                values={
                    "name": data["name"],
                    "short_name": data.get("short_name", ""),
                    "description": data.get("description", ""),
                    "website": data.get("website", ""),
                },
                tally=tally,
            )
        for where, record in records("authorities"):
            data = fields_of(
                record, allowed=_AUTHORITY_KEYS, required={"code", "name", "kind"}, where=where
            )
            code = data.pop("code")
            defaults = dict.fromkeys(_AUTHORITY_KEYS - {"code", "country"}, "")
            upsert(
                Authority,
                lookup={"code": code},
                values={**defaults, "country": "FR", **data},
                tally=tally,
            )
        for where, record in records("document_types"):
            data = fields_of(
                record, allowed=_DOCUMENT_TYPE_KEYS, required={"code", "name"}, where=where
            )
            upsert(
                DocumentType,
                lookup={"code": data["code"]},
                values={
                    "name": data["name"],
                    "description": data.get("description", ""),
                    "per_partner": data.get("per_partner", False),
                },
                tally=tally,
            )
        for where, record in records("programmes"):
            _load_programme(record, where=where, tally=tally)
    return tally
