"""The parameters of an eligibility rule, as a programme officer sets them: each kind accepts
its own and stores them normalised; a wrong one is refused with a French message naming it,
by ``validate_parameters``, by the model's validation and in the admin; a rule without
explanation is described from its parameters."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from calls.choices import RuleKind, RuleSeverity
from calls.eligibility import validate_parameters
from calls.eligibility.kinds import parse_parameters
from calls.models import EligibilityRule
from portal.models import User
from tests import factories as f


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Valid parameters are stored normalised -----------------------------------------------

# (kind, what the officer typed, what is stored): integers as integers, amounts and rates as
# decimal strings, dates in ISO format, codes compacted, defaults (flags left off, unset
# bounds, empty lists) dropped.
NORMALISED = [
    (RuleKind.LEAD_LEGAL_TYPES, {"allowed": ["association", "asbl"]}, None),
    (
        RuleKind.PARTNER_LEGAL_TYPES,
        {"allowed": ["association"], "include_associated": False},
        {"allowed": ["association"]},
    ),
    (
        RuleKind.PARTNER_LEGAL_TYPES,
        {"allowed": ["association"], "include_associated": True},
        None,
    ),
    (RuleKind.VALID_IDENTIFIER, {"scope": "all"}, None),
    (RuleKind.MIN_PARTNERS, {"minimum": "3"}, {"minimum": 3}),
    (RuleKind.MIN_PARTNERS, {"minimum": 3, "count_associated": False}, {"minimum": 3}),
    (RuleKind.MIN_COUNTRIES, {"minimum": 2, "count_associated": True}, None),
    (RuleKind.REQUIRED_COUNTRIES, {"countries": ["FR", "BE"]}, None),
    (RuleKind.ALLOWED_COUNTRIES, {"countries": ["FR", "BE"], "include_associated": True}, None),
    (RuleKind.LEAD_COUNTRY, {"countries": ["FR"]}, None),
    (RuleKind.ALLOWED_NUTS, {"prefixes": ["fre1", "BE 32"]}, {"prefixes": ["FRE1", "BE32"]}),
    (RuleKind.DURATION_MONTHS, {"min": "12", "max": 36}, {"min": 12, "max": 36}),
    (RuleKind.DURATION_MONTHS, {"min": None, "max": 24}, {"max": 24}),
    (RuleKind.DURATION_MONTHS, {"min": 12, "max": 12}, None),
    (
        RuleKind.START_DATE_WINDOW,
        {"earliest": "2027-01-01", "latest": ""},
        {"earliest": "2027-01-01"},
    ),
    (RuleKind.START_DATE_WINDOW, {"earliest": "2027-01-01", "latest": "2027-01-01"}, None),
    (RuleKind.MAX_GRANT, {"amount": 250000}, {"amount": "250000"}),
    (RuleKind.MAX_GRANT, {"amount": "120000.50"}, None),
    (RuleKind.MAX_GRANT, {"amount": None}, {}),
    (RuleKind.LUMP_SUM_AMOUNT, {}, None),
    (RuleKind.MAX_COFINANCING_RATE, {"rate": "60.00"}, None),
    (RuleKind.MAX_COFINANCING_RATE, {"rate": 100}, {"rate": "100"}),
    (RuleKind.MAX_COFINANCING_RATE, {}, None),
    (RuleKind.MIN_OWN_CONTRIBUTION, {"rate": 0}, {"rate": "0"}),
    (RuleKind.MIN_PRIORITIES, {"minimum": 1}, None),
    (RuleKind.MIN_TARGET_GROUPS, {"minimum": "2"}, {"minimum": 2}),
    (RuleKind.REQUIRED_ATTACHMENTS, {"document_types": []}, {}),
    (RuleKind.COMMITMENTS_SIGNED, {"include_associated": True}, None),
    (RuleKind.COMMITMENTS_SIGNED, {"include_associated": False}, {}),
    (RuleKind.SUBMISSION_WINDOW, {}, None),
]


def test_every_kind_has_valid_parameters_here():
    assert {kind for kind, _raw, _stored in NORMALISED} == set(RuleKind.values)


@pytest.mark.parametrize(("kind", "raw", "stored"), NORMALISED)
def test_valid_parameters_are_stored_normalised(kind, raw, stored):
    expected = raw if stored is None else stored

    assert validate_parameters(kind, raw) == expected
    # What is stored is accepted again as it is, and read as what was typed.
    assert validate_parameters(kind, expected) == expected
    assert parse_parameters(kind, expected) == parse_parameters(kind, raw)


def test_no_parameters_at_all_are_those_of_a_kind_that_takes_none():
    assert validate_parameters(RuleKind.SUBMISSION_WINDOW, None) == {}


def test_document_types_that_exist_are_accepted(db):
    f.DocumentTypeFactory(code="statuts-test")
    f.DocumentTypeFactory(code="rib-test")

    stored = validate_parameters(
        RuleKind.REQUIRED_ATTACHMENTS, {"document_types": ["statuts-test", "rib-test"]}
    )

    assert stored == {"document_types": ["statuts-test", "rib-test"]}


def test_the_default_scope_of_the_identifier_rule_is_not_stored():
    assert validate_parameters(RuleKind.VALID_IDENTIFIER, {}) == {}
    assert validate_parameters(RuleKind.VALID_IDENTIFIER, {"scope": "lead"}) == {}


# --- Wrong parameters are refused, naming the parameter -----------------------------------

REFUSED = [
    pytest.param(
        RuleKind.MIN_PARTNERS,
        {"minimum": 3, "maximum": 5},
        "Paramètre inconnu pour cette règle : maximum (paramètres admis : minimum, "
        "count_associated).",
        id="unknown-key",
    ),
    pytest.param(
        RuleKind.SUBMISSION_WINDOW,
        {"minimum": 3},
        "Paramètre inconnu pour cette règle : minimum (paramètres admis : —).",
        id="unknown-key-of-a-kind-without-parameters",
    ),
    pytest.param(
        RuleKind.MIN_PARTNERS,
        {},
        "minimum (minimum) : Ce champ est obligatoire.",
        id="missing-minimum",
    ),
    pytest.param(
        RuleKind.REQUIRED_COUNTRIES,
        {},
        "countries (pays) : Ce champ est obligatoire.",
        id="missing-countries",
    ),
    pytest.param(
        RuleKind.MIN_OWN_CONTRIBUTION,
        {},
        "rate (taux minimal (%)) : Ce champ est obligatoire.",
        id="missing-rate",
    ),
    pytest.param(
        RuleKind.MIN_PARTNERS,
        {"minimum": 0},
        "minimum (minimum) : Assurez-vous que cette valeur est supérieure ou égale à 1.",
        id="minimum-0",
    ),
    pytest.param(
        RuleKind.MIN_PRIORITIES,
        {"minimum": "trois"},
        "minimum (minimum) : Saisissez un nombre entier.",
        id="minimum-not-a-number",
    ),
    pytest.param(
        RuleKind.LEAD_LEGAL_TYPES,
        {"allowed": ["association", "sarl"]},
        "allowed (statuts admis) : Sélectionnez un choix valide. sarl n’en fait pas partie.",
        id="unknown-legal-type",
    ),
    pytest.param(
        RuleKind.LEAD_COUNTRY,
        {"countries": ["FR", "US"]},
        "countries (pays) : Sélectionnez un choix valide. US n’en fait pas partie.",
        id="country-not-in-the-list",
    ),
    pytest.param(
        RuleKind.REQUIRED_COUNTRIES,
        {"countries": "FR"},
        "countries (pays) : Saisissez une liste de valeurs.",
        id="countries-not-a-list",
    ),
    pytest.param(
        RuleKind.ALLOWED_NUTS,
        {"prefixes": ["FRE111"]},
        "prefixes (régions NUTS admises) : Le code NUTS s'écrit avec le code du pays suivi de "
        "1 à 3 caractères (par exemple FRE11 pour le Nord) ; « FRE111 » ne suit pas ce format.",
        id="nuts-bad-format",
    ),
    pytest.param(
        RuleKind.ALLOWED_NUTS,
        {"prefixes": ["XX1"]},
        "prefixes (régions NUTS admises) : Le code NUTS « XX1 » commence par un code pays "
        "inconnu (XX).",
        id="nuts-unknown-country",
    ),
    pytest.param(
        RuleKind.ALLOWED_NUTS,
        {"prefixes": [59]},
        "prefixes (régions NUTS admises) : Chaque région est un code NUTS écrit comme du texte.",
        id="nuts-not-text",
    ),
    pytest.param(
        RuleKind.ALLOWED_NUTS,
        {"prefixes": []},
        "prefixes (régions NUTS admises) : Ce champ est obligatoire.",
        id="nuts-empty",
    ),
    pytest.param(
        RuleKind.MAX_COFINANCING_RATE,
        {"rate": 101},
        "rate (taux (%)) : Assurez-vous que cette valeur est inférieure ou égale à 100.",
        id="rate-101",
    ),
    pytest.param(
        RuleKind.MAX_GRANT,
        {"amount": "-1"},
        "amount (plafond (EUR)) : Assurez-vous que cette valeur est supérieure ou égale à 0.",
        id="negative-ceiling",
    ),
    pytest.param(
        RuleKind.MAX_GRANT,
        {"amount": "1000.001"},
        "amount (plafond (EUR)) : Assurez-vous qu’il n’y a pas plus de 2 chiffres après la "
        "virgule.",
        id="ceiling-below-the-cent",
    ),
    pytest.param(
        RuleKind.DURATION_MONTHS,
        {"min": 37, "max": 12},
        "Le minimum (37 mois) dépasse le maximum (12 mois).",
        id="duration-min-over-max",
    ),
    pytest.param(
        RuleKind.DURATION_MONTHS,
        {},
        "Donnez au moins une borne : min ou max.",
        id="duration-without-bound",
    ),
    pytest.param(
        RuleKind.DURATION_MONTHS,
        {"min": 0},
        "min (minimum (mois)) : Assurez-vous que cette valeur est supérieure ou égale à 1.",
        id="duration-min-0",
    ),
    pytest.param(
        RuleKind.START_DATE_WINDOW,
        {"earliest": "2027-06-01", "latest": "2027-01-01"},
        "La date au plus tôt est postérieure à la date au plus tard.",
        id="earliest-after-latest",
    ),
    pytest.param(
        RuleKind.START_DATE_WINDOW,
        {},
        "Donnez au moins une date : earliest ou latest (AAAA-MM-JJ).",
        id="window-without-bound",
    ),
    pytest.param(
        RuleKind.START_DATE_WINDOW,
        {"earliest": "01/06/2027"},
        "earliest (au plus tôt) : Saisissez une date valide.",
        id="date-not-iso",
    ),
    pytest.param(
        RuleKind.VALID_IDENTIFIER,
        {"scope": "everyone"},
        "scope (qui) : Sélectionnez un choix valide. everyone n’en fait pas partie.",
        id="unknown-scope",
    ),
    pytest.param(
        RuleKind.REQUIRED_ATTACHMENTS,
        {"document_types": {"statuts": True}},
        "document_types (types de pièces) : Donnez une liste de codes de types de pièces, par "
        'exemple ["statuts"].',
        id="document-types-not-a-list",
    ),
    pytest.param(
        RuleKind.MIN_PARTNERS,
        [3],
        'Les paramètres s\'écrivent comme un objet JSON, par exemple {"minimum": 3}.',
        id="parameters-a-list",
    ),
    pytest.param(
        "max_partners",
        {"maximum": 3},
        "Nature de règle inconnue : max_partners.",
        id="unknown-kind",
    ),
]


@pytest.mark.parametrize(("kind", "raw", "message"), REFUSED)
def test_wrong_parameters_are_refused_with_a_message_naming_them(kind, raw, message):
    with pytest.raises(ValidationError) as refused:
        validate_parameters(kind, raw)

    assert refused.value.messages == [message]


def test_an_unknown_document_type_is_named(db):
    f.DocumentTypeFactory(code="statuts-test")

    with pytest.raises(ValidationError) as refused:
        validate_parameters(
            RuleKind.REQUIRED_ATTACHMENTS, {"document_types": ["statuts-test", "bilan-2026"]}
        )

    assert refused.value.messages == [
        "document_types (types de pièces) : Types de pièces inconnus : bilan-2026."
    ]


def test_every_wrong_parameter_is_reported_at_once():
    with pytest.raises(ValidationError) as refused:
        validate_parameters(
            RuleKind.PARTNER_LEGAL_TYPES, {"allowed": ["sarl"], "include_associated": True, "x": 1}
        )

    assert refused.value.messages == [
        "allowed (statuts admis) : Sélectionnez un choix valide. sarl n’en fait pas partie.",
        "Paramètre inconnu pour cette règle : x (paramètres admis : allowed, include_associated).",
    ]


# --- Through the model's validation -------------------------------------------------------


@pytest.mark.parametrize(("kind", "raw", "stored"), NORMALISED)
def test_a_rule_saved_with_valid_parameters_stores_them_normalised(call, kind, raw, stored):
    rule = EligibilityRule(call=call, kind=kind, parameters=raw)

    rule.full_clean()
    rule.save()

    rule.refresh_from_db()
    assert rule.parameters == (raw if stored is None else stored)


@pytest.mark.parametrize(("kind", "raw", "message"), REFUSED)
def test_a_rule_with_wrong_parameters_is_refused_on_its_parameters(call, kind, raw, message):
    rule = EligibilityRule(call=call, kind=kind, parameters=raw)

    with pytest.raises(ValidationError) as refused:
        rule.full_clean()

    assert refused.value.message_dict["parameters"] == [message]
    assert not EligibilityRule.objects.exists()


def test_a_rule_of_an_unknown_kind_is_refused_on_its_kind_too(call):
    rule = EligibilityRule(call=call, kind="max_partners", parameters={})

    with pytest.raises(ValidationError) as refused:
        rule.full_clean()

    assert "kind" in refused.value.message_dict
    assert refused.value.message_dict["parameters"] == ["Nature de règle inconnue : max_partners."]


# --- Through the admin --------------------------------------------------------------------


@pytest.fixture
def staff_client(client, db):
    superuser = User.objects.create_superuser(
        email="root@authority.example.org",
        password="correct-horse-battery",
        first_name="Sam",
        last_name="Root",
    )
    client.force_login(superuser)
    return client


def rule_post(call, **overrides) -> dict:
    data = {
        "call": str(call.pk),
        "kind": RuleKind.MIN_PARTNERS,
        "parameters": '{"minimum": 0}',
        "severity": RuleSeverity.BLOCKING,
        "explanation": "",
        "position": "0",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_the_admin_refuses_a_rule_with_wrong_parameters_and_says_why(staff_client, call):
    url = reverse("admin:calls_eligibilityrule_add")
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, rule_post(call))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        escape("minimum (minimum) : Assurez-vous que cette valeur est supérieure ou égale à 1.")
        in html
    )
    assert not EligibilityRule.objects.exists()


def test_the_admin_refuses_an_unknown_parameter_by_name(staff_client, call):
    response = staff_client.post(
        reverse("admin:calls_eligibilityrule_add"),
        rule_post(call, parameters='{"minimum": 3, "maxi": 5}'),
    )

    assert response.status_code == 200
    assert escape("Paramètre inconnu pour cette règle : maxi") in response.content.decode()
    assert not EligibilityRule.objects.exists()


def test_the_admin_stores_a_correct_rule_with_normalised_parameters(staff_client, call):
    response = staff_client.post(
        reverse("admin:calls_eligibilityrule_add"),
        rule_post(
            call,
            kind=RuleKind.MAX_COFINANCING_RATE,
            parameters='{"rate": 62.5}',
            severity=RuleSeverity.WARNING,
        ),
    )

    assert response.status_code == 302
    rule = EligibilityRule.objects.get()
    assert rule.call == call
    assert rule.parameters == {"rate": "62.5"}
    assert rule.severity == RuleSeverity.WARNING


def _field_data(bound_field) -> dict:
    """What a browser sends for one unchanged field."""
    field, name = bound_field.field, bound_field.html_name
    widget = field.widget
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    value = bound_field.value()
    if isinstance(widget, forms.FileInput):
        return {}
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {f"{name}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)}
    value = field.prepare_value(value)
    if isinstance(widget, forms.SelectMultiple):
        return {name: [str(v) for v in value or []]}
    return {name: "" if value is None else str(value)}


def call_page_with_a_new_rule(client, call, *, kind, parameters) -> tuple[str, dict]:
    """The call's admin page as a browser sends it back with one rule added inline."""
    url = reverse("admin:calls_call_change", args=[call.pk])
    page = client.get(url)
    data = {}
    for bound_field in page.context["adminform"].form:
        data.update(_field_data(bound_field))
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            data[bound_field.html_name] = bound_field.value()
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        for form in formset.initial_forms:
            for bound_field in form:
                data.update(_field_data(bound_field))
        if formset.model is EligibilityRule:
            index = len(formset.initial_forms)
            data[f"{formset.prefix}-TOTAL_FORMS"] = str(index + 1)
            data.update(
                {
                    f"{formset.prefix}-{index}-position": "0",
                    f"{formset.prefix}-{index}-kind": kind,
                    f"{formset.prefix}-{index}-severity": RuleSeverity.BLOCKING,
                    f"{formset.prefix}-{index}-is_active": "on",
                    f"{formset.prefix}-{index}-parameters": parameters,
                    f"{formset.prefix}-{index}-explanation": "",
                    f"{formset.prefix}-{index}-call": str(call.pk),
                }
            )
    return url, data


def test_the_call_page_refuses_an_inline_rule_with_wrong_parameters(staff_client, call):
    url, data = call_page_with_a_new_rule(
        staff_client, call, kind=RuleKind.DURATION_MONTHS, parameters='{"min": 37, "max": 12}'
    )

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert escape("Le minimum (37 mois) dépasse le maximum (12 mois).") in (
        response.content.decode()
    )
    assert not EligibilityRule.objects.exists()


def test_the_call_page_stores_an_inline_rule_with_normalised_parameters(staff_client, call):
    url, data = call_page_with_a_new_rule(
        staff_client,
        call,
        kind=RuleKind.ALLOWED_NUTS,
        parameters='{"prefixes": ["fre1", "BE32"], "include_associated": false}',
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    rule = call.rules.get()
    assert rule.kind == RuleKind.ALLOWED_NUTS
    assert rule.parameters == {"prefixes": ["FRE1", "BE32"]}


# --- describe() ---------------------------------------------------------------------------

DESCRIBED = [
    (
        RuleKind.LEAD_LEGAL_TYPES,
        {"allowed": ["association", "asbl"]},
        "Le chef de file a l'un de ces statuts : Association (loi 1901), ASBL / VZW (Belgique).",
    ),
    (
        RuleKind.PARTNER_LEGAL_TYPES,
        {"allowed": ["association"]},
        "Chaque organisation du consortium a l'un de ces statuts : Association (loi 1901).",
    ),
    (
        RuleKind.VALID_IDENTIFIER,
        {},
        "Le chef de file a un identifiant valide de son pays (SIRET, numéro BCE/KBO, TVA, PIC "
        "ou OID) : seules des personnes morales déposent.",
    ),
    (
        RuleKind.VALID_IDENTIFIER,
        {"scope": "all"},
        "Chaque organisation a un identifiant valide de son pays (SIRET, numéro BCE/KBO, TVA, "
        "PIC ou OID) : seules des personnes morales déposent.",
    ),
    (RuleKind.MIN_PARTNERS, {"minimum": 3}, "Au moins 3 organisations."),
    (RuleKind.MIN_PARTNERS, {"minimum": 1}, "Au moins 1 organisation."),
    (RuleKind.MIN_COUNTRIES, {"minimum": 3}, "Des organisations d'au moins 3 pays différents."),
    (
        RuleKind.REQUIRED_COUNTRIES,
        {"countries": ["FR", "BE"]},
        "Au moins une organisation de chacun de ces pays : France, Belgique.",
    ),
    (
        RuleKind.ALLOWED_COUNTRIES,
        {"countries": ["FR", "BE"]},
        "Chaque organisation est établie dans l'un de ces pays : France, Belgique.",
    ),
    (
        RuleKind.LEAD_COUNTRY,
        {"countries": ["FR"]},
        "Le chef de file est établi dans l'un de ces pays : France.",
    ),
    (
        RuleKind.ALLOWED_NUTS,
        {"prefixes": ["FRE1", "BE32"]},
        "Chaque organisation est établie sur le territoire du programme (régions NUTS FRE1, BE32).",
    ),
    (RuleKind.DURATION_MONTHS, {"min": 12, "max": 36}, "Durée du projet : de 12 à 36 mois."),
    (RuleKind.DURATION_MONTHS, {"min": 6}, "Durée du projet : au moins 6 mois."),
    (RuleKind.DURATION_MONTHS, {"max": 24}, "Durée du projet : au plus 24 mois."),
    (
        RuleKind.START_DATE_WINDOW,
        {"earliest": "2027-01-01", "latest": "2027-06-30"},
        "Le projet commence entre le 1 janvier 2027 et le 30 juin 2027.",
    ),
    (
        RuleKind.START_DATE_WINDOW,
        {"earliest": "2027-01-01"},
        "Le projet commence au plus tôt le 1 janvier 2027.",
    ),
    (
        RuleKind.START_DATE_WINDOW,
        {"latest": "2029-09-30"},
        "Le projet commence au plus tard le 30 septembre 2029.",
    ),
    (RuleKind.MAX_GRANT, {}, "La subvention demandée ne dépasse pas le plafond de l'appel."),
    (
        RuleKind.MAX_GRANT,
        {"amount": "250000"},
        "La subvention demandée ne dépasse pas 250 000,00 €.",
    ),
    (
        RuleKind.LUMP_SUM_AMOUNT,
        {},
        "Le montant demandé est l'un des montants forfaitaires de l'appel.",
    ),
    (
        RuleKind.MAX_COFINANCING_RATE,
        {},
        "La part de l'UE ne dépasse pas le taux maximal de cofinancement de l'appel.",
    ),
    (
        RuleKind.MAX_COFINANCING_RATE,
        {"rate": "62.5"},
        "La part de l'UE ne dépasse pas 62,5 % du coût total.",
    ),
    (
        RuleKind.MIN_OWN_CONTRIBUTION,
        {"rate": "20.00"},
        "L'autofinancement couvre au moins 20 % du coût total.",
    ),
    (
        RuleKind.MIN_PRIORITIES,
        {"minimum": 1},
        "Au moins 1 priorité choisie dans la liste de l'appel.",
    ),
    (RuleKind.MIN_TARGET_GROUPS, {"minimum": 2}, "Au moins 2 publics cibles choisis."),
    (RuleKind.REQUIRED_ATTACHMENTS, {}, "Les pièces demandées par l'appel sont jointes."),
    (
        RuleKind.COMMITMENTS_SIGNED,
        {},
        "Chaque organisation du consortium a signé sa lettre d'engagement.",
    ),
    (
        RuleKind.SUBMISSION_WINDOW,
        {},
        "Le dossier est déposé pendant la période d'ouverture de l'appel ; l'heure limite est "
        "celle du serveur, heure de Paris.",
    ),
]


def test_every_kind_is_described_here():
    assert {kind for kind, _parameters, _sentence in DESCRIBED} == set(RuleKind.values)


@pytest.mark.parametrize(("kind", "parameters", "sentence"), DESCRIBED)
def test_a_rule_without_explanation_is_described_from_its_parameters(kind, parameters, sentence):
    rule = EligibilityRule(kind=kind, parameters=parameters, explanation="")

    assert rule.describe().replace("\u00a0", " ") == sentence


def test_a_rule_with_an_explanation_is_described_by_it():
    rule = EligibilityRule(
        kind=RuleKind.MIN_PARTNERS,
        parameters={"minimum": 3},
        explanation="Trois organisations de trois pays, comme le veut le guide du programme.",
    )

    assert rule.describe() == (
        "Trois organisations de trois pays, comme le veut le guide du programme."
    )


def test_a_rule_saved_with_wrong_parameters_is_described_by_its_kind():
    rule = EligibilityRule(kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 0}, explanation="")

    assert rule.describe() == "Nombre minimal d'organisations"


def test_required_documents_named_on_the_rule_are_described_by_their_names(db):
    f.DocumentTypeFactory(code="statuts-test", name="Statuts à jour")
    rule = EligibilityRule(
        kind=RuleKind.REQUIRED_ATTACHMENTS,
        parameters={"document_types": ["statuts-test"]},
        explanation="",
    )

    assert rule.describe() == "Ces pièces sont jointes : Statuts à jour."
