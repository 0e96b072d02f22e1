"""Identifier validators: each accepts the numbers that exist and refuses the others with a
message that names the identifier and says what is wrong."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum import luhn

from partners.validators import (
    compact,
    validate_be_enterprise_number,
    validate_iban,
    validate_nuts,
    validate_oid,
    validate_pic,
    validate_siren,
    validate_siret,
    validate_vat,
)


def refusal(validator, value) -> str:
    """The message a user sees when ``value`` is refused."""
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return str(excinfo.value.messages[0])


def test_compact_removes_spaces_dots_dashes_and_slashes_and_upper_cases():
    assert compact(" be 0403.170-701/ ") == "BE0403170701"
    assert compact("") == ""
    assert compact(None) == ""


# SIREN ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["732829320", "732 829 320", "356000000", "552081317"])
def test_a_siren_with_a_right_luhn_key_is_accepted(value):
    validate_siren(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("732829321", ["numéro SIREN", "732829321", "clé de contrôle"]),
        ("73282932", ["numéro SIREN", "9 chiffres", "en compte 8"]),
        ("7328293200", ["numéro SIREN", "9 chiffres", "en compte 10"]),
        ("73282932A", ["numéro SIREN", "que des chiffres"]),
    ],
    ids=["wrong-key", "8-digits", "10-digits", "letter"],
)
def test_a_wrong_siren_is_refused_with_a_message_naming_siren(value, expected):
    message = refusal(validate_siren, value)
    for fragment in expected:
        assert fragment in message


# SIRET ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["73282932000074", "732 829 320 00074", "732.829.320-00074", "40483304800022"],
)
def test_a_siret_with_a_right_luhn_key_is_accepted_with_or_without_separators(value):
    validate_siret(value)


def test_the_head_office_of_la_poste_has_a_valid_siret():
    validate_siret("35600000000048")


def test_a_la_poste_siret_whose_digit_sum_is_a_multiple_of_5_is_accepted_though_luhn_fails():
    value = "35600000000001"  # digit sum 15
    assert not luhn.is_valid(value)
    assert sum(map(int, value)) % 5 == 0
    validate_siret(value)


@pytest.mark.parametrize(
    "value",
    [
        "35600000000002",  # digit sum 16, Luhn fails too
        "35600000000014",  # digit sum 19: the Luhn key is right but La Poste does not use it
    ],
)
def test_a_la_poste_siret_whose_digit_sum_is_not_a_multiple_of_5_is_refused(value):
    assert sum(map(int, value)) % 5 != 0
    message = refusal(validate_siret, value)
    assert "numéro SIRET" in message
    assert "clé de contrôle" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("73282932000075", ["numéro SIRET", "73282932000075", "clé de contrôle"]),
        ("7328293200007", ["numéro SIRET", "14 chiffres", "en compte 13"]),
        ("732829320000745", ["numéro SIRET", "14 chiffres", "en compte 15"]),
        ("7328293200007A", ["numéro SIRET", "que des chiffres"]),
    ],
    ids=["wrong-key", "13-digits", "15-digits", "letter"],
)
def test_a_siret_with_a_wrong_check_digit_or_length_is_refused_with_a_message_naming_siret(
    value, expected
):
    message = refusal(validate_siret, value)
    for fragment in expected:
        assert fragment in message


# Belgian enterprise number (BCE/KBO) ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["0403170701", "BE 0403.170.701", "be0403170701", "403170701", "0202239951", "0417497106"],
)
def test_a_belgian_enterprise_number_with_a_right_mod_97_key_is_accepted(value):
    validate_be_enterprise_number(value)


def test_a_nine_digit_enterprise_number_is_read_with_a_leading_zero():
    # 040317070 becomes 0040317070, whose key is wrong: the message shows the padded number.
    message = refusal(validate_be_enterprise_number, "040317070")
    assert "0040317070" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0403170702", ["BCE", "0403170702", "97"]),
        ("2403170701", ["BCE", "commence par 0 ou 1", "commence par 2"]),
        ("04031707011", ["BCE", "10 chiffres", "en compte 11"]),
        ("04031707O1", ["BCE", "que des chiffres"]),
    ],
    ids=["wrong-key", "starts-with-2", "11-digits", "letter"],
)
def test_a_wrong_belgian_enterprise_number_is_refused_with_a_message_naming_bce(value, expected):
    message = refusal(validate_be_enterprise_number, value)
    for fragment in expected:
        assert fragment in message


# VAT --------------------------------------------------------------------------------------


def test_the_french_vat_key_is_computed_from_the_siren():
    siren = 303265045
    assert (12 + 3 * (siren % 97)) % 97 == (siren * 100 + 12) % 97 == 40
    validate_vat(f"FR40{siren}")


@pytest.mark.parametrize(
    "value",
    ["FR40303265045", "fr 40 303 265 045", "FR44732829320", "BE0403170701", "BE 0403.170.701"],
)
def test_a_vat_number_with_its_country_prefix_and_a_right_key_is_accepted(value):
    validate_vat(value)


def test_a_greek_vat_number_uses_the_el_prefix():
    validate_vat("EL094259216")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR41303265045", ["TVA", "FR41303265045", "clé de contrôle"]),
        ("FR40303265046", ["TVA", "clé de contrôle"]),  # the SIREN inside fails Luhn
        ("BE0403170702", ["TVA", "BE0403170702", "clé de contrôle"]),
        ("XX123", ["TVA", "code pays inconnu", "XX"]),
        ("40303265045", ["TVA", "code du pays", "40303265045"]),
        ("FR", ["TVA", "code du pays"]),
        ("FR4030326504", ["TVA", "format attendu"]),
    ],
    ids=[
        "fr-wrong-key",
        "fr-wrong-siren",
        "be-wrong-key",
        "unknown-country",
        "no-prefix",
        "prefix-only",
        "fr-too-short",
    ],
)
def test_a_wrong_vat_number_is_refused_with_a_message_naming_tva(value, expected):
    message = refusal(validate_vat, value)
    for fragment in expected:
        assert fragment in message


# IBAN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "FR1420041010050500013M02606",
        "fr14 2004 1010 0505 0001 3m02 606",
        "BE71096123456769",
        "be71 0961 2345 6769",
        "BE62510007547061",
    ],
)
def test_an_iban_with_a_right_key_and_the_length_of_its_country_is_accepted(value):
    assert len(compact(value)) == {"FR": 27, "BE": 16}[compact(value)[:2]]
    validate_iban(value)


@pytest.mark.parametrize(
    "value",
    [
        "FR1420041010050500013M02607",  # last digit changed
        "FR1420041010050500014M02606",  # a digit in the middle changed
        "BE71096123456768",
        "FR1420041010050500013M0260",  # one character short
        "BE710961234567690",  # one character too many
        "XX71096123456769",
    ],
)
def test_a_wrong_iban_is_refused_with_a_message_naming_iban(value):
    message = refusal(validate_iban, value)
    assert "IBAN" in message
    assert compact(value) in message


def test_an_iban_one_character_short_is_refused_with_a_message_giving_the_expected_length():
    message = refusal(validate_iban, "FR1420041010050500013M0260")
    assert "IBAN" in message
    assert "27" in message


def test_a_belgian_iban_with_an_unknown_bank_code_is_refused_with_a_message_naming_the_bank():
    # BE68 5390 0754 7034 (the ECBS example) has a right key and 16 characters, but bank
    # code 539 is not in the National Bank of Belgium's list python-stdnum carries.
    message = refusal(validate_iban, "BE68539007547034")
    assert "IBAN" in message
    assert "format attendu" not in message
    assert "banque" in message


# PIC --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["123456789", "949 674 547", "999999999"])
def test_a_pic_of_9_digits_is_accepted(value):
    validate_pic(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678", ["PIC", "9 chiffres", "en compte 8"]),
        ("1234567890", ["PIC", "9 chiffres", "en compte 10"]),
        ("12345678A", ["PIC", "que des chiffres"]),
        ("", ["PIC"]),
    ],
    ids=["8-digits", "10-digits", "letter", "empty"],
)
def test_a_wrong_pic_is_refused_with_a_message_naming_pic(value, expected):
    message = refusal(validate_pic, value)
    for fragment in expected:
        assert fragment in message


# OID --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["E10000001", "E 1000 0001", "e10000001"])
def test_an_oid_is_e_followed_by_8_digits_whatever_the_case_and_spacing(value):
    validate_oid(value)


@pytest.mark.parametrize("value", ["E1234567", "10000001", "E123456789", "F10000001", "EE1000000"])
def test_a_wrong_oid_is_refused_with_a_message_naming_oid_and_its_format(value):
    message = refusal(validate_oid, value)
    assert "OID" in message
    assert "E suivi de 8 chiffres" in message
    assert value in message


# NUTS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["FRE11", "fre11", "FRE1", "FR1", "BE322", "BE2", "EL30"])
def test_a_nuts_code_of_level_1_2_or_3_is_accepted(value):
    validate_nuts(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FR", ["NUTS", "1 à 3 caractères", "« FR »"]),  # the country alone is not a region
        ("FRE1111", ["NUTS", "1 à 3 caractères", "FRE1111"]),
        ("F1", ["NUTS", "1 à 3 caractères"]),
        ("XX1", ["NUTS", "code pays inconnu", "XX"]),
        ("GR30", ["NUTS", "code pays inconnu", "GR"]),  # Greece is EL in NUTS
    ],
    ids=["country-only", "too-long", "no-country", "unknown-country", "greece-as-gr"],
)
def test_a_wrong_nuts_code_is_refused_with_a_message_naming_nuts(value, expected):
    message = refusal(validate_nuts, value)
    for fragment in expected:
        assert fragment in message
