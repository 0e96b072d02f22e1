"""Organisation: identifiers checked per country, stored compact, unique in the database."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partners.models import Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"
OTHER_SIRET = "40483304800022"
BE_NUMBER = "0403170701"


@contextmanager
def refused_by_the_database(constraint: str, *, columns: tuple[str, ...] = ()):
    """The statement fails with an IntegrityError raised by ``constraint``. PostgreSQL and
    SQLite name a CHECK constraint; for a unique one SQLite names the columns instead."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert constraint in message or (columns and all(c in message for c in columns)), message


def french(**kwargs) -> Organisation:
    fields = {"legal_name": "Association Emploi", "legal_type": "association", "country": "FR"}
    return Organisation(**(fields | kwargs))


def belgian(**kwargs) -> Organisation:
    fields = {"legal_name": "ASBL Emploi", "legal_type": "asbl", "country": "BE"}
    return Organisation(**(fields | kwargs))


def errors_of(organisation: Organisation) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()
    return excinfo.value.message_dict


# full_clean -------------------------------------------------------------------------------


def test_a_french_organisation_with_valid_identifiers_passes_full_clean():
    organisation = french(
        siret=SIRET,
        nuts_code="FRE11",
        vat_number="FR44732829320",
        iban="FR1420041010050500013M02606",
        pic="949674547",
        oid="E10000001",
    )
    organisation.full_clean()


def test_a_siret_on_a_belgian_organisation_is_refused_on_the_siret_field():
    errors = errors_of(belgian(siret=SIRET, enterprise_number=BE_NUMBER))
    assert list(errors) == ["siret"]
    assert "SIRET" in errors["siret"][0]
    assert "France" in errors["siret"][0]


def test_an_enterprise_number_on_a_french_organisation_is_refused_on_its_field():
    errors = errors_of(french(enterprise_number=BE_NUMBER))
    assert list(errors) == ["enterprise_number"]
    assert "BCE/KBO" in errors["enterprise_number"][0]
    assert "Belgique" in errors["enterprise_number"][0]


def test_a_nuts_code_of_another_country_is_refused_on_the_nuts_field():
    errors = errors_of(french(siret=SIRET, nuts_code="BE322"))
    assert list(errors) == ["nuts_code"]
    assert "BE322" in errors["nuts_code"][0]
    assert "(FR)" in errors["nuts_code"][0]


def test_a_greek_organisation_takes_a_nuts_code_starting_with_el():
    Organisation(
        legal_name="Δήμος", legal_type="local_authority", country="GR", nuts_code="EL30"
    ).full_clean()
    errors = errors_of(
        Organisation(
            legal_name="Δήμος", legal_type="local_authority", country="GR", nuts_code="FR1"
        )
    )
    assert list(errors) == ["nuts_code"]


def test_a_siren_that_is_not_the_start_of_the_siret_is_refused_on_the_siren_field():
    errors = errors_of(french(siret=OTHER_SIRET, siren="732829320"))
    assert list(errors) == ["siren"]
    assert "732829320" in errors["siren"][0]
    assert OTHER_SIRET in errors["siren"][0]


def test_an_invalid_siret_is_refused_on_the_siret_field_with_the_validator_message():
    errors = errors_of(french(siret="73282932000075"))
    assert list(errors) == ["siret"]
    assert "clé de contrôle" in errors["siret"][0]


# Compact storage and derived SIREN --------------------------------------------------------


def test_save_derives_the_siren_from_the_siret():
    organisation = french(siret=SIRET)
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.siren == "732829320"


def test_a_siret_typed_with_spaces_is_stored_compact_after_full_clean_and_save():
    organisation = french(siret="732 829 320 00074", nuts_code="fre11")
    organisation.full_clean()
    assert organisation.siret == SIRET
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.siret == SIRET
    assert organisation.siren == "732829320"
    assert organisation.nuts_code == "FRE11"


def test_a_siret_typed_with_spaces_is_stored_compact_even_on_a_direct_save():
    organisation = french(siret="732 829 320 00074")
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.siret == SIRET


def test_a_siret_typed_with_spaces_gives_the_right_siren_on_a_direct_save():
    organisation = french(siret="732 829 320 00074")
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.siren == "732829320"


def test_an_organisation_is_found_by_its_siret_typed_with_spaces():
    organisation = f.OrganisationFactory(siret=SIRET)
    assert Organisation.objects.get(siret="732 829 320 00074") == organisation


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("oid", "e1000 0001", "E10000001"),
        ("pic", "949 674 547", "949674547"),
        ("vat_number", "fr 44 732 829 320", "FR44732829320"),
        ("iban", "fr14 2004 1010 0505 0001 3m02 606", "FR1420041010050500013M02606"),
    ],
)
def test_identifiers_are_stored_in_upper_case_without_separators(field, typed, stored):
    organisation = french(**{field: typed})
    organisation.full_clean()
    organisation.save()
    organisation.refresh_from_db()
    assert getattr(organisation, field) == stored


def test_an_enterprise_number_typed_with_its_be_prefix_is_accepted_and_stored_as_10_digits():
    organisation = belgian(enterprise_number="BE 0403.170.701")
    organisation.full_clean()
    organisation.save()
    organisation.refresh_from_db()
    assert organisation.enterprise_number == BE_NUMBER


def test_the_9_digit_form_of_an_enterprise_number_is_the_same_enterprise_as_the_10_digit_one():
    first = belgian(enterprise_number=BE_NUMBER)
    first.full_clean()
    first.save()
    second = belgian(legal_name="Autre ASBL", enterprise_number="403170701")
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert "numéro d'entreprise (BCE/KBO) est déjà inscrite" in str(refused.value.messages[0])
    with refused_by_the_database(
        "partners_organisation_unique_enterprise_number",
        columns=("partners_organisation.enterprise_number",),
    ):
        second.save()


# Database constraints ---------------------------------------------------------------------


def test_two_organisations_with_the_same_siret_are_refused_by_the_database():
    f.OrganisationFactory(siret=SIRET)
    with refused_by_the_database(
        "partners_organisation_unique_siret", columns=("partners_organisation.siret",)
    ):
        f.OrganisationFactory(siret=SIRET)


def test_the_same_siret_typed_with_spaces_is_still_a_duplicate():
    f.OrganisationFactory(siret=SIRET)
    with refused_by_the_database(
        "partners_organisation_unique_siret", columns=("partners_organisation.siret",)
    ):
        french(legal_name="Doublon", siret="732 829 320 00074").save()


@pytest.mark.parametrize(
    ("field", "value", "country"),
    [
        ("enterprise_number", BE_NUMBER, "BE"),
        ("pic", "949674547", "FR"),
        ("oid", "E10000001", "FR"),
    ],
)
def test_two_organisations_with_the_same_identifier_are_refused_by_the_database(
    field, value, country
):
    nuts = {"BE": "BE322", "FR": "FRE11"}[country]
    f.OrganisationFactory(country=country, nuts_code=nuts, **{field: value})
    with refused_by_the_database(
        f"partners_organisation_unique_{field}", columns=(f"partners_organisation.{field}",)
    ):
        f.OrganisationFactory(country=country, nuts_code=nuts, **{field: value})


def test_an_oid_in_lower_case_is_the_same_oid():
    f.OrganisationFactory(oid="E10000001")
    with refused_by_the_database(
        "partners_organisation_unique_oid", columns=("partners_organisation.oid",)
    ):
        f.OrganisationFactory(oid="e10000001")


def test_several_organisations_without_identifiers_are_allowed():
    for _ in range(3):
        f.OrganisationFactory(siret="", enterprise_number="", pic="", oid="")
    assert Organisation.objects.filter(siret="").count() == 3


def test_the_database_refuses_a_siret_on_a_belgian_organisation_even_without_full_clean():
    with refused_by_the_database("partners_organisation_siret_only_in_france"):
        belgian(siret=SIRET).save()


def test_the_database_refuses_an_enterprise_number_on_a_french_organisation():
    with refused_by_the_database("partners_organisation_enterprise_number_only_in_belgium"):
        french(enterprise_number=BE_NUMBER).save()
