"""The reference data (``manage.py load_reference``) holds the facts of the source documents
and loads idempotently."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from calls.models import (
    Authority,
    Axis,
    DocumentType,
    Fund,
    Measure,
    Priority,
    Programme,
    TargetGroup,
)

REFERENCE_MODELS = [Fund, Authority, DocumentType, Programme, Axis, Measure, TargetGroup, Priority]
VALENCIENNES = "fse-sg-valenciennes-metropole-2007-2013"


@pytest.fixture(scope="module")
def reference(django_db_setup, django_db_blocker):
    """The reference loaded once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def measure(code: str, programme: str = VALENCIENNES) -> Measure:
    return Measure.objects.select_related("axis").get(axis__programme__code=programme, code=code)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in REFERENCE_MODELS}


def test_the_four_funds_are_there(reference, db):
    assert set(Fund.objects.values_list("short_name", flat=True)) == {
        "FSE",
        "FSE+",
        "FEDER",
        "Erasmus+",
    }


def test_valenciennes_metropole_is_an_intermediate_body_managing_its_global_grant(reference, db):
    programme = Programme.objects.get(code=VALENCIENNES)
    assert programme.name == "Subvention globale FSE de Valenciennes Métropole"
    assert programme.fund.code == "fse"
    assert (programme.period_start_year, programme.period_end_year) == (2007, 2013)
    assert programme.managing_authority.code == "valenciennes-metropole"
    assert programme.managing_authority.kind == "intermediate_body"


def test_the_four_valenciennes_measures_sit_under_their_axes(reference, db):
    axes = dict(
        Measure.objects.filter(axis__programme__code=VALENCIENNES).values_list("code", "axis__code")
    )
    assert axes == {"213": "2", "312": "3", "332": "3", "421": "4"}


@pytest.mark.parametrize(
    ("code", "framework", "operation_types"),
    [
        ("213", "Plan local", 6),
        ("312", "Plan local", 6),
        ("332", "Cohésion sociale", 4),
        ("421", "Stratégie territoriale", 6),
    ],
)
def test_each_valenciennes_measure_has_its_framework_and_operation_types(
    reference, db, code, framework, operation_types
):
    m = measure(code)
    assert m.framework.startswith(framework)
    assert m.purposes
    assert len(m.operation_type_list) == operation_types
    m.full_clean()  # its legal type codes are known


def test_measure_312_lists_its_operations_one_per_line(reference, db):
    m = measure("312")
    assert m.operation_type_list[0] == "L'aide à la définition de projets professionnels"
    assert "chantier d'insertion" in m.operation_type_list[2]
    assert len(m.selection_priority_list) == 3
    assert "plie" in m.eligible_legal_types


def test_measures_312_and_332_carry_their_target_groups(reference, db):
    assert set(measure("312").target_groups.values_list("name", flat=True)) == {
        "Chômeurs de longue durée",
        "Travailleurs handicapés",
        "Allocataires de minima sociaux",
        "Jeunes peu ou pas qualifiés",
        "Autres personnes en difficulté d'insertion sociale et professionnelle",
    }
    assert set(measure("332").target_groups.values_list("name", flat=True)) == {
        "Demandeurs d'emploi",
        "Jeunes, notamment issus de parents immigrés",
        "Habitants des zones urbaines sensibles",
    }


def test_measures_213_and_421_have_no_target_group_since_the_document_names_none(reference, db):
    assert not measure("213").target_groups.exists()
    assert not measure("421").target_groups.exists()


def test_measure_332_keeps_its_eligible_organisations_as_the_document_gives_them(reference, db):
    m = measure("332")
    assert m.eligible_organisations.startswith("Associations, organismes de formation, Pôle emploi")
    assert m.eligible_legal_types == [
        "association",
        "training_body",
        "public_employment_service",
        "insertion",
    ]
    assert m.selection_priority_list == [
        "Actions d'accès ou de retour à l'emploi pour les habitants des zones urbaines sensibles"
    ]


def test_the_drtefp_aquitaine_has_its_address_and_email(reference, db):
    drtefp = Authority.objects.get(code="drtefp-aquitaine")
    assert drtefp.kind == "regional_service"
    assert drtefp.department == "Service du Fonds social européen (FSE)"
    assert drtefp.street == '11-19 rue Marguerite Crauste, Immeuble "Le Prisme"'
    assert (drtefp.postcode, drtefp.city) == ("33074", "BORDEAUX Cedex")
    assert drtefp.email == "fse.dr-aquit@travail.gouv.fr"


def test_the_fse_axis_4_measure_has_seven_operation_types_and_four_priorities(reference, db):
    m = measure("COOP-MOBILITE", programme="fse-po-2007-2013")
    assert m.name == "Coopération transnationale ou interrégionale pour la mobilité"
    assert m.axis.code == "4"
    assert m.axis.objective == "Actions innovantes transnationales ou interrégionales"
    assert len(m.operation_type_list) == 7
    assert m.selection_priority_list == [
        "Actions relatives à l'anticipation et à la gestion des mutations économiques",
        "Actions relatives à la mobilité ou à la formation avec un volet européen",
        "Actions relatives à la reconnaissance ou la validation des compétences acquises par "
        "l'expérience ou la formation avec un volet européen",
        "Expérimentations locales sur l'articulation des temps de vie",
    ]
    assert {"association", "local_authority", "training_body"} <= set(m.eligible_legal_types)


def test_interreg_v_has_axis_4_with_its_objective_translated_into_french(reference, db):
    programme = Programme.objects.get(code="interreg-fwvl-v")
    assert programme.fund.code == "feder"
    assert programme.managing_authority.name.startswith("Région wallonne")
    assert programme.managing_authority.kind == "managing_authority"
    assert programme.report_interval_months == 6
    axis = programme.axes.get(code="4")
    assert axis.objective == (
        "Favoriser l'emploi et la mobilité transfrontalière du travail et intégrer les "
        "marchés du travail"
    )
    assert axis.measures.count() == 1


def test_erasmus_plus_has_four_horizontal_priorities_and_every_sectoral_one(reference, db):
    priorities = Priority.objects.filter(programme__code="erasmus-plus-2021-2027")
    assert priorities.filter(kind="horizontal").count() == 4
    assert Counter(priorities.filter(kind="sectoral").values_list("sector", flat=True)) == {
        "Enseignement supérieur": 6,
        "Enseignement scolaire": 7,
        "Formation professionnelle": 6,
        "Éducation des adultes": 6,
        "Jeunesse": 4,
    }


def test_erasmus_plus_key_action_2_has_both_partnerships(reference, db):
    axis = Axis.objects.get(programme__code="erasmus-plus-2021-2027", code="KA2")
    assert dict(axis.measures.values_list("code", "name")) == {
        "KA220": "Partenariats de coopération",
        "KA210": "Partenariats à petite échelle",
    }


def test_both_national_agencies_are_in_brussels(reference, db):
    agencies = Authority.objects.filter(kind="national_agency")
    assert set(agencies.values_list("short_name", flat=True)) == {"AEF-Europe", "BIJ"}
    assert set(agencies.values_list("country", "city")) == {("BE", "Bruxelles")}


def test_the_occitanie_youth_mobility_plan_is_a_regional_fse_plus_programme(reference, db):
    programme = Programme.objects.get(code="occitanie-mobilite-jeunes")
    assert programme.fund.code == "fse-plus"
    assert programme.managing_authority.short_name == "DRJSCS Occitanie"
    assert programme.axes.get().measures.get().code == "CONSORTIUMS"


def test_a_partner_commitment_letter_is_asked_of_every_partner(reference, db):
    assert DocumentType.objects.get(code="lettre-engagement").per_partner
    assert not DocumentType.objects.get(code="rib").per_partner


def test_loading_the_reference_twice_changes_nothing(reference, db):
    before = counts()
    out = StringIO()
    call_command("load_reference", stdout=out)
    assert counts() == before
    assert " 0 lignes créées, 0 mises à jour" in out.getvalue()
    assert "lignes créées, 0 mises à jour, 0 inchangées" not in out.getvalue()


def test_a_typo_in_a_data_file_is_refused_and_loads_nothing(db, tmp_path):
    funds = [
        {"code": "fonds-essai", "name": "Fonds d'essai", "short_name": "FE"},
        {"code": "fonds-coquille", "name": "Fonds à coquille", "nmae": "x"},
    ]
    (tmp_path / "funds.json").write_text(json.dumps({"funds": funds}), encoding="utf-8")
    with pytest.raises(CommandError, match="nmae"):
        call_command("load_reference", directory=str(tmp_path), stdout=StringIO())
    assert not Fund.objects.filter(code="fonds-essai").exists()
