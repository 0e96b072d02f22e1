"""Every kind of eligibility rule on real dossiers: one that passes, one that fails, the
dossier exactly at the bound, and the sentence the applicant reads with its figures.

The dossier of ``conftest.dossier``: Organisation A (French association, valid SIRET, NUTS
FRE11) leads, Organisation B (Belgian ASBL, valid enterprise number, NUTS BE322) is its
partner, on an open real-costs call with a 60 % co-financing cap. Messages are compared with
ordinary spaces where French puts non-breaking ones (``6 000,00 €``, ``60 %``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications.choices import FundingSource
from calls.choices import CostModel, RuleKind, RuleSeverity
from calls.eligibility import REGISTRY, check_application, validate_parameters
from calls.eligibility.engine import RuleResult, Status
from calls.eligibility.kinds import Parameters
from calls.models import CallLumpSum
from partners.choices import LegalType, PartnerRole
from partners.models import Organisation
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")

# A German VAT number with a valid ISO 7064 mod 11,10 check digit (python-stdnum agrees).
GERMAN_VAT = "DE136583215"
A_PIC = "912345678"


# --- Helpers ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The factories make an account for every dossier and attachment; hashing their
    passwords for real would be most of the time these tests take."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def said(result: RuleResult) -> str:
    """The message as read, with ordinary spaces for the non-breaking ones."""
    return result.message.replace("\u00a0", " ")


def add_rule(call, kind, *, severity=RuleSeverity.BLOCKING, position=0, **parameters):
    """A rule saved as the admin saves it: parameters checked and normalised."""
    return f.EligibilityRuleFactory(
        call=call,
        kind=kind,
        parameters=validate_parameters(kind, parameters),
        severity=severity,
        position=position,
        explanation="",
    )


def only_result(application, *, at=None) -> RuleResult:
    (result,) = check_application(application, at=at).results
    return result


def judge(application, kind, *, at=None, **parameters) -> RuleResult:
    """Gives the dossier's call one rule of ``kind`` and returns its verdict."""
    add_rule(application.call, kind, **parameters)
    return only_result(application, at=at)


def lead_of(application):
    return application.partners.get(role=PartnerRole.LEAD)


def partner_b(application):
    return application.partners.get(organisation__legal_name="Organisation B")


def add_partner(application, *, role=PartnerRole.PARTNER, signed=False, **organisation):
    organisation.setdefault("legal_name", f"Organisation {organisation.get('country', 'FR')}")
    return f.PartnerFactory(
        application=application,
        organisation=f.OrganisationFactory(**organisation),
        role=role,
        commitment_signed_at=timezone.now() if signed else None,
    )


def german(**extra):
    values = {
        "legal_name": "Verein D",
        "country": "DE",
        "nuts_code": "DE300",
        "legal_type": LegalType.ASSOCIATION,
    }
    return {**values, **extra}


def budget(partner, amount, **resources):
    """One budget line of ``amount`` and the partner's resources, e.g. ``eu="6000"``."""
    f.BudgetLineFactory(partner=partner, amount=Decimal(amount))
    for source, value in resources.items():
        f.CofinancingFactory(partner=partner, source=source, amount=Decimal(value))


def lump_sum_call(*amounts, **extra):
    call = f.CallFactory(cost_model=CostModel.LUMP_SUM, **extra)
    for amount in amounts:
        CallLumpSum.objects.create(call=call, amount=Decimal(amount))
    return call


# --- The registry -------------------------------------------------------------------------


def test_the_registry_gives_every_rule_kind_its_behaviour():
    assert set(REGISTRY) == set(RuleKind.values)
    for kind, spec in REGISTRY.items():
        assert spec.kind == kind
        assert spec.section
        assert issubclass(spec.parameters, Parameters)


# --- lead_legal_types ---------------------------------------------------------------------


def test_a_lead_with_an_allowed_legal_type_passes(dossier):
    result = judge(dossier, RuleKind.LEAD_LEGAL_TYPES, allowed=[LegalType.ASSOCIATION])

    assert result.status == Status.PASS
    assert said(result) == (
        "Le chef de file Organisation A a un statut admis (Association (loi 1901))."
    )


def test_a_lead_with_another_legal_type_fails_and_the_allowed_ones_are_named(dossier):
    result = judge(
        dossier,
        RuleKind.LEAD_LEGAL_TYPES,
        allowed=[LegalType.ASBL, LegalType.LOCAL_AUTHORITY],
    )

    assert result.status == Status.FAIL
    assert said(result) == (
        "Le chef de file Organisation A a le statut « Association (loi 1901) », qui n'est pas "
        "admis ; statuts admis : ASBL / VZW (Belgique), Collectivité territoriale."
    )


def test_a_dossier_without_lead_fails_the_lead_rules(call):
    application = f.ApplicationFactory(call=call)
    add_rule(call, RuleKind.LEAD_LEGAL_TYPES, allowed=[LegalType.ASSOCIATION], position=1)
    add_rule(call, RuleKind.LEAD_COUNTRY, countries=["FR"], position=2)

    results = check_application(application).results

    assert [r.status for r in results] == [Status.FAIL, Status.FAIL]
    assert {r.message for r in results} == {"Le dossier n'a pas encore de chef de file."}


# --- partner_legal_types ------------------------------------------------------------------


def test_every_organisation_with_an_allowed_legal_type_passes(dossier):
    result = judge(
        dossier,
        RuleKind.PARTNER_LEGAL_TYPES,
        allowed=[LegalType.ASSOCIATION, LegalType.ASBL],
    )

    assert result.status == Status.PASS
    assert said(result) == "Les 2 organisations du consortium ont un statut admis."


def test_a_partner_with_a_legal_type_not_allowed_is_named(dossier):
    result = judge(dossier, RuleKind.PARTNER_LEGAL_TYPES, allowed=[LegalType.ASSOCIATION])

    assert result.status == Status.FAIL
    assert result.figures["refused"] == [{"name": "Organisation B", "legal_type": "asbl"}]
    assert said(result) == (
        "1 organisation n'a pas de statut admis : Organisation B (ASBL / VZW (Belgique)) ; "
        "statuts admis : Association (loi 1901)."
    )


def test_an_associated_partner_s_legal_type_counts_only_when_the_rule_says_so(dossier):
    add_partner(
        dossier,
        role=PartnerRole.ASSOCIATED,
        legal_name="Entreprise associée",
        legal_type=LegalType.COMPANY,
    )
    allowed = [LegalType.ASSOCIATION, LegalType.ASBL]
    add_rule(dossier.call, RuleKind.PARTNER_LEGAL_TYPES, allowed=allowed)

    assert only_result(dossier).status == Status.PASS

    dossier.call.rules.all().delete()
    result = judge(dossier, RuleKind.PARTNER_LEGAL_TYPES, allowed=allowed, include_associated=True)

    assert result.status == Status.FAIL
    assert said(result) == (
        "1 organisation n'a pas de statut admis : Entreprise associée (Entreprise) ; statuts "
        "admis : Association (loi 1901), ASBL / VZW (Belgique)."
    )


# --- valid_identifier ---------------------------------------------------------------------


def test_a_lead_identified_by_its_siret_passes(dossier):
    result = judge(dossier, RuleKind.VALID_IDENTIFIER)

    assert result.status == Status.PASS
    assert result.figures["scope"] == "lead"
    assert said(result) == "Le chef de file Organisation A a un identifiant valide : SIRET."


def test_a_french_lead_without_siret_fails(call):
    application = f.lead_application(
        call=call, organisation=f.OrganisationFactory(legal_name="Association sans SIRET")
    )

    result = judge(application, RuleKind.VALID_IDENTIFIER, scope="lead")

    assert result.status == Status.FAIL
    assert said(result) == (
        "Sans identifiant valide de son pays (SIRET en France, numéro BCE/KBO en Belgique, TVA, "
        "PIC ou OID ailleurs) : Association sans SIRET (France)."
    )


def test_a_siret_with_a_wrong_check_digit_does_not_identify_the_lead(call):
    # Saved without the model's validation, as an import might: the engine checks again.
    organisation = f.OrganisationFactory(legal_name="Clé fausse", siret="73282932000075")
    Organisation.objects.filter(pk=organisation.pk).update(siren="")
    application = f.lead_application(call=call, organisation=organisation)

    assert judge(application, RuleKind.VALID_IDENTIFIER).status == Status.FAIL


def test_with_the_lead_scope_only_the_lead_is_checked(dossier):
    add_partner(dossier, **german())

    assert judge(dossier, RuleKind.VALID_IDENTIFIER, scope="lead").status == Status.PASS


def test_every_organisation_identified_in_its_own_country_passes_the_all_scope(dossier):
    add_partner(dossier, **german(vat_number=GERMAN_VAT))
    add_partner(dossier, **german(legal_name="Hochschule D", pic=A_PIC))

    result = judge(dossier, RuleKind.VALID_IDENTIFIER, scope="all")

    assert result.status == Status.PASS
    assert [entry["identifier"] for entry in result.figures["identified"]] == [
        "SIRET",
        "BCE/KBO",
        "TVA",
        "PIC",
    ]
    assert said(result) == (
        "Les 4 organisations sont identifiées par un identifiant valide de leur pays."
    )


def test_an_organisation_without_identifier_fails_the_all_scope(dossier):
    add_partner(dossier, **german())

    result = judge(dossier, RuleKind.VALID_IDENTIFIER, scope="all")

    assert result.status == Status.FAIL
    assert result.figures["missing"] == [{"name": "Verein D", "country": "DE"}]
    assert said(result).endswith(": Verein D (Allemagne).")


# --- min_partners -------------------------------------------------------------------------


def test_a_consortium_of_exactly_the_minimum_passes(dossier):
    add_partner(dossier, legal_name="Organisation C")

    result = judge(dossier, RuleKind.MIN_PARTNERS, minimum=3)

    assert result.status == Status.PASS
    assert said(result) == "Au moins 3 organisations sont requises ; ce consortium en compte 3."


def test_a_consortium_one_short_of_the_minimum_fails(dossier):
    result = judge(dossier, RuleKind.MIN_PARTNERS, minimum=3)

    assert result.status == Status.FAIL
    assert result.figures == {"minimum": 3, "count": 2}
    assert said(result) == "Au moins 3 organisations sont requises ; ce consortium en compte 2."


def test_associated_partners_are_counted_only_when_the_rule_says_so(dossier):
    add_partner(dossier, role=PartnerRole.ASSOCIATED, legal_name="Organisation associée")
    add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=3)

    assert only_result(dossier).figures["count"] == 2

    dossier.call.rules.all().delete()
    result = judge(dossier, RuleKind.MIN_PARTNERS, minimum=3, count_associated=True)

    assert result.status == Status.PASS
    assert result.figures["count"] == 3


# --- min_countries ------------------------------------------------------------------------


def test_organisations_from_enough_countries_pass(dossier):
    result = judge(dossier, RuleKind.MIN_COUNTRIES, minimum=2)

    assert result.status == Status.PASS
    assert said(result) == (
        "Des organisations d'au moins 2 pays différents sont requises ; ce consortium compte "
        "2 organisations de 2 pays (Belgique, France)."
    )


def test_organisations_from_too_few_countries_fail(dossier):
    add_partner(dossier, legal_name="Organisation C")

    result = judge(dossier, RuleKind.MIN_COUNTRIES, minimum=3)

    assert result.status == Status.FAIL
    assert result.figures == {"minimum": 3, "organisations": 3, "countries": ["BE", "FR"]}
    assert said(result) == (
        "Des organisations d'au moins 3 pays différents sont requises ; ce consortium compte "
        "3 organisations de 2 pays (Belgique, France)."
    )


def test_a_third_country_reaches_a_minimum_of_three(dossier):
    add_partner(dossier, **german())

    result = judge(dossier, RuleKind.MIN_COUNTRIES, minimum=3)

    assert result.status == Status.PASS
    assert result.figures["countries"] == ["BE", "DE", "FR"]


def test_an_associated_partner_s_country_counts_only_when_the_rule_says_so(dossier):
    add_partner(dossier, role=PartnerRole.ASSOCIATED, **german())
    add_rule(dossier.call, RuleKind.MIN_COUNTRIES, minimum=3)

    assert only_result(dossier).status == Status.FAIL

    dossier.call.rules.all().delete()
    assert judge(dossier, RuleKind.MIN_COUNTRIES, minimum=3, count_associated=True).status == (
        Status.PASS
    )


# --- required_countries -------------------------------------------------------------------


def test_a_french_lead_with_a_belgian_partner_meets_the_required_countries(dossier):
    result = judge(dossier, RuleKind.REQUIRED_COUNTRIES, countries=["FR", "BE"])

    assert result.status == Status.PASS
    assert said(result) == (
        "Le consortium réunit des organisations de chacun de ces pays : France, Belgique."
    )


def test_a_dossier_without_belgian_partner_misses_a_required_country(call, org_a):
    application = f.lead_application(call=call, organisation=org_a)

    result = judge(application, RuleKind.REQUIRED_COUNTRIES, countries=["FR", "BE"])

    assert result.status == Status.FAIL
    assert result.figures["missing"] == ["BE"]
    assert said(result) == (
        "Il faut au moins une organisation de chacun de ces pays : France, Belgique ; "
        "aucune ne vient de : Belgique."
    )


def test_an_associated_belgian_partner_does_not_meet_a_required_country(call, org_a, org_b):
    application = f.lead_application(call=call, organisation=org_a)
    f.PartnerFactory(application=application, organisation=org_b, role=PartnerRole.ASSOCIATED)

    result = judge(application, RuleKind.REQUIRED_COUNTRIES, countries=["FR", "BE"])

    assert result.status == Status.FAIL


# --- allowed_countries --------------------------------------------------------------------


def test_organisations_all_in_allowed_countries_pass(dossier):
    result = judge(dossier, RuleKind.ALLOWED_COUNTRIES, countries=["FR", "BE"])

    assert result.status == Status.PASS
    assert said(result) == "Les 2 organisations sont établies dans un pays admis."


def test_an_organisation_outside_the_allowed_countries_is_named(dossier):
    result = judge(dossier, RuleKind.ALLOWED_COUNTRIES, countries=["FR"])

    assert result.status == Status.FAIL
    assert said(result) == "Établie hors des pays admis : Organisation B (Belgique)."


def test_an_associated_partner_abroad_counts_only_when_the_rule_says_so(dossier):
    add_partner(dossier, role=PartnerRole.ASSOCIATED, **german())
    add_rule(dossier.call, RuleKind.ALLOWED_COUNTRIES, countries=["FR", "BE"])

    assert only_result(dossier).status == Status.PASS

    dossier.call.rules.all().delete()
    result = judge(
        dossier, RuleKind.ALLOWED_COUNTRIES, countries=["FR", "BE"], include_associated=True
    )

    assert result.status == Status.FAIL
    assert said(result) == "Établie hors des pays admis : Verein D (Allemagne)."


# --- lead_country -------------------------------------------------------------------------


def test_a_lead_in_an_allowed_country_passes(dossier):
    result = judge(dossier, RuleKind.LEAD_COUNTRY, countries=["FR", "BE"])

    assert result.status == Status.PASS
    assert said(result) == (
        "Le chef de file Organisation A est établi dans un pays admis (France)."
    )


def test_a_lead_in_another_country_fails(dossier):
    result = judge(dossier, RuleKind.LEAD_COUNTRY, countries=["BE"])

    assert result.status == Status.FAIL
    assert said(result) == (
        "Le chef de file Organisation A est établi hors des pays admis (France) ; "
        "pays admis : Belgique."
    )


# --- allowed_nuts -------------------------------------------------------------------------


def test_regions_are_matched_by_their_nuts_prefix(dossier):
    # FRE11 (Nord) is in FRE1, BE322 (Mons) in BE32.
    result = judge(dossier, RuleKind.ALLOWED_NUTS, prefixes=["FRE1", "BE32"])

    assert result.status == Status.PASS
    assert said(result) == ("Les 2 organisations sont établies sur le territoire du programme.")


def test_an_organisation_outside_the_nuts_prefixes_is_named_with_its_region(dossier):
    result = judge(dossier, RuleKind.ALLOWED_NUTS, prefixes=["FRE1", "BE35"])

    assert result.status == Status.FAIL
    assert said(result) == (
        "Hors du territoire du programme (FRE1, BE35) : Organisation B (BE322)."
    )


def test_an_organisation_without_nuts_region_is_outside_the_territory(dossier):
    add_partner(dossier, legal_name="Organisation C", nuts_code="")

    result = judge(dossier, RuleKind.ALLOWED_NUTS, prefixes=["FRE1", "BE32"])

    assert result.status == Status.FAIL
    assert said(result) == (
        "Hors du territoire du programme (FRE1, BE32) : Organisation C (région non renseignée)."
    )


def test_an_associated_partner_outside_the_territory_counts_only_when_the_rule_says_so(dossier):
    add_partner(dossier, role=PartnerRole.ASSOCIATED, **german())
    add_rule(dossier.call, RuleKind.ALLOWED_NUTS, prefixes=["FRE1", "BE32"])

    assert only_result(dossier).status == Status.PASS

    dossier.call.rules.all().delete()
    result = judge(
        dossier, RuleKind.ALLOWED_NUTS, prefixes=["FRE1", "BE32"], include_associated=True
    )

    assert result.status == Status.FAIL
    assert result.figures["outside"] == [{"name": "Verein D", "nuts": "DE300"}]


# --- duration_months ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "months", "status"),
    [
        (dt.date(2027, 11, 30), 11, Status.FAIL),
        (dt.date(2027, 12, 31), 12, Status.PASS),
        (dt.date(2029, 12, 31), 36, Status.PASS),
        (dt.date(2030, 1, 31), 37, Status.FAIL),
    ],
)
def test_a_duration_is_admitted_from_the_minimum_to_the_maximum_inclusive(
    call, org_a, end, months, status
):
    application = f.lead_application(
        call=call, organisation=org_a, start_date=dt.date(2027, 1, 1), end_date=end
    )

    result = judge(application, RuleKind.DURATION_MONTHS, min=12, max=36)

    assert result.status == status
    assert result.figures["duration"] == months
    if status == Status.PASS:
        assert said(result) == f"Le projet dure {months} mois (durée admise : de 12 à 36 mois)."
    else:
        assert said(result) == (
            f"Le projet dure {months} mois, hors de la durée admise (de 12 à 36 mois)."
        )


def test_a_duration_with_only_a_maximum_says_so(dossier):
    # The dossier runs from 2027-01-01 to 2028-12-31: 24 months.
    result = judge(dossier, RuleKind.DURATION_MONTHS, max=24)

    assert result.status == Status.PASS
    assert said(result) == "Le projet dure 24 mois (durée admise : au plus 24 mois)."


def test_a_dossier_without_dates_fails_the_duration(call, org_a):
    application = f.lead_application(call=call, organisation=org_a, start_date=None, end_date=None)

    result = judge(application, RuleKind.DURATION_MONTHS, min=12)

    assert result.status == Status.FAIL
    assert said(result) == (
        "Les dates de début et de fin ne sont pas saisies (durée admise : au moins 12 mois)."
    )


# --- start_date_window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "status"),
    [
        (dt.date(2026, 12, 31), Status.FAIL),
        (dt.date(2027, 1, 1), Status.PASS),
        (dt.date(2027, 6, 30), Status.PASS),
        (dt.date(2027, 7, 1), Status.FAIL),
    ],
)
def test_a_start_is_admitted_from_the_earliest_to_the_latest_day_inclusive(
    call, org_a, start, status
):
    application = f.lead_application(
        call=call, organisation=org_a, start_date=start, end_date=dt.date(2028, 12, 31)
    )

    result = judge(
        application, RuleKind.START_DATE_WINDOW, earliest="2027-01-01", latest="2027-06-30"
    )

    assert result.status == status
    assert result.figures["start"] == start.isoformat()


def test_the_start_window_is_said_with_dates_in_french(call, org_a):
    application = f.lead_application(
        call=call, organisation=org_a, start_date=dt.date(2026, 12, 31)
    )
    add_rule(call, RuleKind.START_DATE_WINDOW, earliest="2027-01-01", latest="2027-06-30")

    assert said(only_result(application)) == (
        "Le projet commence le 31 décembre 2026 ; il doit commencer entre le 1 janvier 2027 "
        "et le 30 juin 2027."
    )

    application.start_date = dt.date(2027, 6, 30)
    application.save()

    assert said(only_result(application)) == (
        "Le projet commence le 30 juin 2027, bien entre le 1 janvier 2027 et le 30 juin 2027."
    )


def test_a_dossier_without_start_date_fails_the_start_window(call, org_a):
    application = f.lead_application(call=call, organisation=org_a, start_date=None, end_date=None)

    result = judge(application, RuleKind.START_DATE_WINDOW, latest="2027-06-30")

    assert result.status == Status.FAIL
    assert said(result) == (
        "La date de début n'est pas saisie ; le projet doit commencer au plus tard le 30 juin 2027."
    )


# --- max_grant ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eu", "status", "sentence"),
    [
        (
            "100000.00",
            Status.PASS,
            "La subvention demandée (100 000,00 €) respecte le plafond de 100 000,00 €.",
        ),
        (
            "100000.01",
            Status.FAIL,
            "La subvention demandée (100 000,01 €) dépasse le plafond de 100 000,00 €.",
        ),
    ],
)
def test_the_grant_asked_may_equal_the_call_s_ceiling_but_not_exceed_it(
    dossier, eu, status, sentence
):
    dossier.call.max_grant = Decimal("100000.00")
    dossier.call.save()
    # The EU co-financing of both partners is added up.
    budget(lead_of(dossier), "120000", **{FundingSource.EU: "60000.00"})
    budget(partner_b(dossier), "80000", **{FundingSource.EU: str(Decimal(eu) - 60000)})

    result = judge(dossier, RuleKind.MAX_GRANT)

    assert result.status == status
    assert said(result) == sentence


def test_a_ceiling_set_on_the_rule_replaces_the_call_s(dossier):
    dossier.call.max_grant = Decimal("100000.00")
    dossier.call.save()
    budget(lead_of(dossier), "100000", **{FundingSource.EU: "50000.00"})

    result = judge(dossier, RuleKind.MAX_GRANT, amount="40000")

    assert result.status == Status.FAIL
    assert result.figures == {"ceiling": "40000", "requested": "50000.00"}


def test_without_any_ceiling_the_grant_rule_does_not_apply(dossier):
    result = judge(dossier, RuleKind.MAX_GRANT)

    assert result.status == Status.NOT_APPLICABLE
    assert said(result) == "L'appel ne fixe pas de plafond de subvention."


def test_in_a_lump_sum_call_the_grant_asked_is_the_lump_sum(org_a):
    call = lump_sum_call("120000", "250000", max_grant=Decimal("250000.00"))
    application = f.lead_application(call=call, organisation=org_a, lump_sum=Decimal("250000"))
    add_rule(call, RuleKind.MAX_GRANT)

    assert only_result(application).status == Status.PASS

    application.lump_sum = None
    application.save()
    result = only_result(application)

    assert result.status == Status.FAIL
    assert said(result) == ("Aucun montant n'est encore demandé ; le plafond est de 250 000,00 €.")


# --- lump_sum_amount ----------------------------------------------------------------------


def test_a_lump_sum_among_the_call_s_amounts_passes(org_a):
    call = lump_sum_call("120000", "250000", "400000")
    application = f.lead_application(call=call, organisation=org_a, lump_sum=Decimal("250000"))

    result = judge(application, RuleKind.LUMP_SUM_AMOUNT)

    assert result.status == Status.PASS
    assert said(result) == (
        "Le montant forfaitaire de 250 000,00 € fait partie de ceux de l'appel."
    )


def test_a_lump_sum_not_among_the_call_s_amounts_fails_and_they_are_listed(org_a):
    call = lump_sum_call("120000", "250000", "400000")
    application = f.lead_application(call=call, organisation=org_a, lump_sum=Decimal("200000"))

    result = judge(application, RuleKind.LUMP_SUM_AMOUNT)

    assert result.status == Status.FAIL
    assert said(result) == (
        "Le montant de 200 000,00 € n'est pas l'un des montants forfaitaires de l'appel : "
        "120 000,00 €, 250 000,00 €, 400 000,00 €."
    )


def test_no_lump_sum_chosen_fails(org_a):
    call = lump_sum_call("30000", "60000")
    application = f.lead_application(call=call, organisation=org_a)

    result = judge(application, RuleKind.LUMP_SUM_AMOUNT)

    assert result.status == Status.FAIL
    assert said(result) == (
        "Aucun montant forfaitaire n'est choisi ; montants possibles : 30 000,00 €, 60 000,00 €."
    )


def test_the_lump_sum_rule_does_not_apply_to_a_real_costs_call(dossier):
    result = judge(dossier, RuleKind.LUMP_SUM_AMOUNT)

    assert result.status == Status.NOT_APPLICABLE
    assert said(result) == "L'appel finance des coûts réels, pas des montants forfaitaires."


# --- max_cofinancing_rate -----------------------------------------------------------------


def test_an_eu_share_exactly_at_the_call_s_rate_passes(dossier):
    budget(lead_of(dossier), "6000", **{FundingSource.EU: "3600"})
    budget(partner_b(dossier), "4000", **{FundingSource.EU: "2400"})

    result = judge(dossier, RuleKind.MAX_COFINANCING_RATE)

    assert result.status == Status.PASS
    assert result.figures == {
        "maximum": "60.00",
        "total": "10000.00",
        "eu": "6000.00",
        "rate": "60.00",
    }
    assert said(result) == (
        "L'UE finance 60 % du coût total (6 000,00 € sur 10 000,00 €), dans la limite de 60 %."
    )


def test_an_eu_share_one_hundredth_of_a_point_over_the_rate_fails(dossier):
    budget(lead_of(dossier), "10000", **{FundingSource.EU: "6001"})

    result = judge(dossier, RuleKind.MAX_COFINANCING_RATE)

    assert result.status == Status.FAIL
    assert said(result) == (
        "L'UE financerait 60,01 % du coût total (6 001,00 € sur 10 000,00 €) ; "
        "le taux maximal est de 60 %."
    )


def test_a_rate_set_on_the_rule_replaces_the_call_s(dossier):
    budget(lead_of(dossier), "10000", **{FundingSource.EU: "5500"})

    result = judge(dossier, RuleKind.MAX_COFINANCING_RATE, rate="50")

    assert result.status == Status.FAIL
    assert result.figures["maximum"] == "50"


def test_an_empty_budget_fails_the_co_financing_rate(dossier):
    result = judge(dossier, RuleKind.MAX_COFINANCING_RATE)

    assert result.status == Status.FAIL
    assert said(result) == (
        "Le budget est vide : le taux de cofinancement de l'UE (au plus 60 %) ne peut pas être "
        "calculé."
    )


def test_the_co_financing_rate_does_not_apply_to_a_lump_sum_call(org_a):
    call = lump_sum_call("60000")
    application = f.lead_application(call=call, organisation=org_a, lump_sum=Decimal("60000"))

    result = judge(application, RuleKind.MAX_COFINANCING_RATE)

    assert result.status == Status.NOT_APPLICABLE
    assert said(result) == (
        "Un appel à montants forfaitaires ne fixe pas de taux de cofinancement."
    )


def test_an_eu_share_over_the_cap_by_less_than_half_a_hundredth_of_a_point_fails(dossier):
    # 600 049 EUR of 1 000 000 EUR is 49 EUR more than 60 % allows.
    budget(lead_of(dossier), "1000000", **{FundingSource.EU: "600049"})

    assert judge(dossier, RuleKind.MAX_COFINANCING_RATE).status == Status.FAIL


# --- min_own_contribution -----------------------------------------------------------------


def test_own_funds_exactly_at_the_minimum_rate_pass(dossier):
    budget(lead_of(dossier), "6000", **{FundingSource.OWN_FUNDS: "1000"})
    budget(partner_b(dossier), "4000", **{FundingSource.OWN_FUNDS: "1000"})

    result = judge(dossier, RuleKind.MIN_OWN_CONTRIBUTION, rate="20")

    assert result.status == Status.PASS
    assert said(result) == (
        "L'autofinancement couvre 20 % du coût total (2 000,00 € sur 10 000,00 €), au moins "
        "20 % requis."
    )


def test_own_funds_under_the_minimum_rate_fail(dossier):
    budget(lead_of(dossier), "10000", **{FundingSource.OWN_FUNDS: "1999"})

    result = judge(dossier, RuleKind.MIN_OWN_CONTRIBUTION, rate="20")

    assert result.status == Status.FAIL
    assert result.figures["rate"] == "19.99"
    assert said(result) == (
        "L'autofinancement couvre 19,99 % du coût total (1 999,00 € sur 10 000,00 €) ; au moins "
        "20 % sont requis."
    )


def test_an_empty_budget_fails_the_own_contribution(dossier):
    result = judge(dossier, RuleKind.MIN_OWN_CONTRIBUTION, rate="10")

    assert result.status == Status.FAIL
    assert said(result) == (
        "Le budget est vide : l'autofinancement (au moins 10 %) ne peut pas être calculé."
    )


def test_own_funds_short_of_the_minimum_by_a_few_cents_fail(dossier):
    # 1 999,95 EUR of 10 000 EUR is 5 cents short of 20 %.
    budget(lead_of(dossier), "10000", **{FundingSource.OWN_FUNDS: "1999.95"})

    assert judge(dossier, RuleKind.MIN_OWN_CONTRIBUTION, rate="20").status == Status.FAIL


# --- min_priorities and min_target_groups -------------------------------------------------


@pytest.fixture
def priorities(dossier):
    """Three priorities of the call's programme; the call offers the first two."""
    made = [f.PriorityFactory(programme=dossier.call.programme) for _ in range(3)]
    dossier.call.priorities.set(made[:2])
    return made


def test_priorities_chosen_from_the_call_s_list_reach_the_minimum(dossier, priorities):
    dossier.priorities.set(priorities[:2])

    result = judge(dossier, RuleKind.MIN_PRIORITIES, minimum=2)

    assert result.status == Status.PASS
    assert said(result) == "Au moins 2 priorités de l'appel sont à choisir ; 2 sont choisies."


def test_a_priority_the_call_does_not_offer_is_not_counted(dossier, priorities):
    dossier.priorities.set([priorities[0], priorities[2]])

    result = judge(dossier, RuleKind.MIN_PRIORITIES, minimum=2)

    assert result.status == Status.FAIL
    assert said(result) == "Au moins 2 priorités de l'appel sont à choisir ; 1 est choisie."


def test_without_a_list_on_the_call_every_chosen_priority_counts(dossier, priorities):
    dossier.call.priorities.clear()
    dossier.priorities.set([priorities[0], priorities[2]])

    assert judge(dossier, RuleKind.MIN_PRIORITIES, minimum=2).status == Status.PASS


@pytest.fixture
def target_groups(dossier):
    made = [f.TargetGroupFactory(programme=dossier.call.programme) for _ in range(3)]
    dossier.call.target_groups.set(made[:2])
    return made


def test_target_groups_chosen_from_the_call_s_list_reach_the_minimum(dossier, target_groups):
    dossier.target_groups.set(target_groups[:2])

    result = judge(dossier, RuleKind.MIN_TARGET_GROUPS, minimum=2)

    assert result.status == Status.PASS
    assert said(result) == "Au moins 2 publics cibles sont à choisir ; 2 sont choisis."


def test_a_target_group_the_call_does_not_offer_is_not_counted(dossier, target_groups):
    dossier.target_groups.set([target_groups[0], target_groups[2]])

    result = judge(dossier, RuleKind.MIN_TARGET_GROUPS, minimum=2)

    assert result.status == Status.FAIL
    assert said(result) == "Au moins 2 publics cibles sont à choisir ; 1 est choisi."


def test_without_a_list_on_the_call_every_chosen_target_group_counts(dossier, target_groups):
    dossier.call.target_groups.clear()
    dossier.target_groups.set([target_groups[0], target_groups[2]])

    assert judge(dossier, RuleKind.MIN_TARGET_GROUPS, minimum=2).status == Status.PASS


# --- required_attachments -----------------------------------------------------------------


@pytest.fixture
def statutes(db):
    return f.DocumentTypeFactory(code="statuts-test", name="Statuts")


@pytest.fixture
def commitment_letter(db):
    return f.DocumentTypeFactory(
        code="engagement-test", name="Lettre d'engagement", per_partner=True
    )


@pytest.fixture
def requiring_call(dossier, statutes, commitment_letter):
    dossier.call.required_document_types.set([statutes, commitment_letter])
    return dossier.call


def attach(application, document_type, partner=None):
    return f.AttachmentFactory(
        application=application, document_type=document_type, partner=partner
    )


def test_every_document_the_call_requires_joined_passes(
    dossier, requiring_call, statutes, commitment_letter
):
    attach(dossier, statutes)
    attach(dossier, commitment_letter)  # the lead's, without partner
    attach(dossier, commitment_letter, partner_b(dossier))

    result = judge(dossier, RuleKind.REQUIRED_ATTACHMENTS)

    assert result.status == Status.PASS
    assert said(result) == "Les 2 pièces requises sont jointes."


def test_a_partner_s_missing_letter_is_named_with_the_partner(
    dossier, requiring_call, statutes, commitment_letter
):
    attach(dossier, statutes)
    attach(dossier, commitment_letter, lead_of(dossier))
    # Joined without saying whose: it is the lead's, not B's.
    attach(dossier, commitment_letter)

    result = judge(dossier, RuleKind.REQUIRED_ATTACHMENTS)

    assert result.status == Status.FAIL
    assert result.figures["missing"] == [
        {"document": "Lettre d'engagement", "partners": ["Organisation B"]}
    ]
    assert said(result) == "Pièce manquante : Lettre d'engagement (Organisation B)."


def test_every_missing_document_is_listed(dossier, requiring_call):
    result = judge(dossier, RuleKind.REQUIRED_ATTACHMENTS)

    assert result.status == Status.FAIL
    assert said(result) == (
        "Pièces manquantes : Lettre d'engagement (Organisation A, Organisation B) ; Statuts."
    )


def test_an_associated_partner_needs_no_document_of_its_own(
    dossier, requiring_call, statutes, commitment_letter
):
    add_partner(dossier, role=PartnerRole.ASSOCIATED, legal_name="Organisation associée")
    attach(dossier, statutes)
    for partner in (lead_of(dossier), partner_b(dossier)):
        attach(dossier, commitment_letter, partner)

    assert judge(dossier, RuleKind.REQUIRED_ATTACHMENTS).status == Status.PASS


def test_documents_named_on_the_rule_replace_the_call_s_list(dossier, requiring_call, statutes):
    bank_details = f.DocumentTypeFactory(code="rib-test", name="RIB")
    attach(dossier, statutes)

    result = judge(dossier, RuleKind.REQUIRED_ATTACHMENTS, document_types=["rib-test"])

    assert result.status == Status.FAIL
    assert said(result) == "Pièce manquante : RIB."

    attach(dossier, bank_details)

    assert only_result(dossier).status == Status.PASS
    assert said(only_result(dossier)) == "La pièce requise est jointe."


def test_the_attachments_rule_does_not_apply_when_no_document_is_required(dossier):
    result = judge(dossier, RuleKind.REQUIRED_ATTACHMENTS)

    assert result.status == Status.NOT_APPLICABLE
    assert said(result) == "L'appel ne demande pas de pièce jointe."


# --- commitments_signed -------------------------------------------------------------------


def sign(*partners):
    for partner in partners:
        partner.commitment_signed_at = timezone.now()
        partner.save()


def test_every_organisation_having_signed_passes(dossier):
    sign(lead_of(dossier), partner_b(dossier))

    result = judge(dossier, RuleKind.COMMITMENTS_SIGNED)

    assert result.status == Status.PASS
    assert said(result) == "Les 2 organisations ont signé leur lettre d'engagement."


def test_an_organisation_that_has_not_signed_is_named(dossier):
    sign(lead_of(dossier))

    result = judge(dossier, RuleKind.COMMITMENTS_SIGNED)

    assert result.status == Status.FAIL
    assert said(result) == (
        "1 organisation n'a pas encore signé sa lettre d'engagement : Organisation B."
    )


def test_an_associated_partner_s_signature_counts_only_when_the_rule_says_so(dossier):
    sign(lead_of(dossier), partner_b(dossier))
    add_partner(dossier, role=PartnerRole.ASSOCIATED, legal_name="Organisation associée")
    add_rule(dossier.call, RuleKind.COMMITMENTS_SIGNED)

    assert only_result(dossier).status == Status.PASS

    dossier.call.rules.all().delete()
    result = judge(dossier, RuleKind.COMMITMENTS_SIGNED, include_associated=True)

    assert result.status == Status.FAIL
    assert result.figures["unsigned"] == ["Organisation associée"]


def test_a_dossier_without_organisation_fails_the_commitments(call):
    result = judge(f.ApplicationFactory(call=call), RuleKind.COMMITMENTS_SIGNED)

    assert result.status == Status.FAIL
    assert said(result) == "Le consortium n'a encore aucune organisation."


# --- submission_window --------------------------------------------------------------------

OPENS = dt.datetime(2027, 3, 1, 12, 0, tzinfo=PARIS)
CLOSES = dt.datetime(2027, 4, 1, 12, 0, tzinfo=PARIS)


@pytest.fixture
def windowed(org_a):
    call = f.CallFactory(opens_at=OPENS, closes_at=CLOSES)
    application = f.lead_application(call=call, organisation=org_a)
    add_rule(call, RuleKind.SUBMISSION_WINDOW)
    return application


def test_a_dossier_checked_at_the_exact_opening_may_be_submitted(windowed):
    result = only_result(windowed, at=OPENS)

    assert result.status == Status.PASS
    assert said(result) == (
        "L'appel est ouvert : dépôt possible jusqu'au 1 avril 2027 12:00 (heure de Paris)."
    )


def test_a_dossier_checked_at_the_exact_closing_may_no_longer_be_submitted(windowed):
    result = only_result(windowed, at=CLOSES)

    assert result.status == Status.FAIL
    assert said(result) == (
        "L'appel a été clos le 1 avril 2027 12:00 (heure de Paris) : le dépôt n'est plus possible."
    )


def test_a_dossier_checked_before_the_opening_is_told_when_the_call_opens(windowed):
    result = only_result(windowed, at=OPENS.astimezone(dt.UTC) - dt.timedelta(seconds=1))

    assert result.status == Status.FAIL
    assert said(result) == (
        "L'appel ouvre le 1 mars 2027 12:00 (heure de Paris) : le dépôt n'est pas encore possible."
    )


def test_before_the_opening_the_message_does_not_depend_on_the_time_zone_of_the_check(windowed):
    # 11:30 in Paris is half an hour before the opening (12:00 in Paris, 11:00 UTC), but
    # "2027-03-01T11:30:00+01:00" sorts after "2027-03-01T11:00:00+00:00", the opening as
    # the database returns it: the applicant is told the call has closed.
    result = only_result(windowed, at=OPENS - dt.timedelta(minutes=30))

    assert result.status == Status.FAIL
    assert said(result).startswith("L'appel ouvre le 1 mars 2027 12:00")


def test_a_submitted_dossier_is_judged_at_its_submission_not_at_the_check(windowed):
    windowed.submitted_at = CLOSES - dt.timedelta(minutes=1)
    windowed.save()

    result = only_result(windowed, at=CLOSES + dt.timedelta(days=30))

    assert result.status == Status.PASS
    assert result.figures["submitted"] is True
    assert said(result) == "Déposé le 1 avril 2027 11:59, avant la clôture du 1 avril 2027 12:00."


def test_a_dossier_submitted_at_the_closing_is_late(windowed):
    windowed.submitted_at = CLOSES
    windowed.save()

    result = only_result(windowed, at=OPENS)

    assert result.status == Status.FAIL
    assert said(result) == "Déposé le 1 avril 2027 12:00, après la clôture du 1 avril 2027 12:00."


# --- Severity and the outcome -------------------------------------------------------------


def test_a_warning_rule_not_met_warns_without_blocking_the_submission(dossier):
    add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=3, severity=RuleSeverity.WARNING)

    outcome = check_application(dossier)
    (result,) = outcome.results

    assert result.status == Status.WARNING
    assert result.blocking is False
    assert result.blocks_submission is False
    assert result.get_status_display() == "À vérifier"
    assert said(result) == "Au moins 3 organisations sont requises ; ce consortium en compte 2."
    assert outcome.warnings == [result]
    assert outcome.blocking_failures == []
    assert outcome.is_eligible is True
    assert outcome.verdict == Status.WARNING


def test_a_blocking_rule_not_met_makes_the_dossier_ineligible(dossier):
    add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=3, severity=RuleSeverity.WARNING)
    add_rule(dossier.call, RuleKind.LEAD_COUNTRY, countries=["BE"], position=1)

    outcome = check_application(dossier)

    assert [r.status for r in outcome.results] == [Status.WARNING, Status.FAIL]
    assert outcome.results[1].blocking is True
    assert outcome.results[1].blocks_submission is True
    assert outcome.blocking_failures == [outcome.results[1]]
    assert outcome.is_eligible is False
    assert outcome.verdict == Status.FAIL


def test_a_dossier_meeting_every_rule_is_eligible_and_rules_not_applicable_do_not_count(dossier):
    add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=2)
    add_rule(dossier.call, RuleKind.LUMP_SUM_AMOUNT, position=1)

    outcome = check_application(dossier)

    assert [r.status for r in outcome.results] == [Status.PASS, Status.NOT_APPLICABLE]
    assert outcome.is_eligible is True
    assert outcome.verdict == Status.PASS
    assert outcome.passed == [outcome.results[0]]


def test_an_inactive_rule_is_not_checked_and_rules_run_in_their_order(dossier):
    add_rule(dossier.call, RuleKind.LEAD_COUNTRY, countries=["FR"], position=2)
    add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=2, position=1)
    inactive = add_rule(dossier.call, RuleKind.MIN_PARTNERS, minimum=5, position=0)
    inactive.is_active = False
    inactive.save()

    outcome = check_application(dossier)

    assert [r.kind for r in outcome.results] == [RuleKind.MIN_PARTNERS, RuleKind.LEAD_COUNTRY]
    assert outcome.is_eligible is True


def test_a_rule_saved_with_wrong_parameters_warns_instead_of_breaking_the_checklist(dossier):
    # Written around the model's validation (a bulk import, a shell).
    f.EligibilityRuleFactory(call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={})

    outcome = check_application(dossier)
    (result,) = outcome.results

    assert result.status == Status.WARNING
    assert result.blocking is False
    assert said(result) == (
        "Cette règle de l'appel est mal paramétrée (minimum (minimum) : Ce champ est "
        "obligatoire.) : le service instructeur la vérifiera."
    )
    assert outcome.is_eligible is True


# --- Every kind says every verdict --------------------------------------------------------

SAMPLE_PARAMETERS = {
    RuleKind.LEAD_LEGAL_TYPES: {"allowed": ["asbl"]},
    RuleKind.PARTNER_LEGAL_TYPES: {"allowed": ["asbl"]},
    RuleKind.VALID_IDENTIFIER: {"scope": "all"},
    RuleKind.MIN_PARTNERS: {"minimum": 3},
    RuleKind.MIN_COUNTRIES: {"minimum": 3},
    RuleKind.REQUIRED_COUNTRIES: {"countries": ["FR", "BE"]},
    RuleKind.ALLOWED_COUNTRIES: {"countries": ["BE"]},
    RuleKind.LEAD_COUNTRY: {"countries": ["BE"]},
    RuleKind.ALLOWED_NUTS: {"prefixes": ["BE32"]},
    RuleKind.DURATION_MONTHS: {"min": 30},
    RuleKind.START_DATE_WINDOW: {"latest": "2026-12-31"},
    RuleKind.MAX_GRANT: {"amount": "1"},
    RuleKind.LUMP_SUM_AMOUNT: {},
    RuleKind.MAX_COFINANCING_RATE: {"rate": "10"},
    RuleKind.MIN_OWN_CONTRIBUTION: {"rate": "90"},
    RuleKind.MIN_PRIORITIES: {"minimum": 1},
    RuleKind.MIN_TARGET_GROUPS: {"minimum": 1},
    RuleKind.REQUIRED_ATTACHMENTS: {},
    RuleKind.COMMITMENTS_SIGNED: {},
    RuleKind.SUBMISSION_WINDOW: {},
}


def test_every_kind_has_sample_parameters_here():
    assert set(SAMPLE_PARAMETERS) == set(RuleKind.values)


def test_every_kind_of_rule_gives_a_french_sentence_on_a_failing_dossier(call, org_a):
    # A lead without partner, budget, priorities, commitment nor attachment, on a call whose
    # lump sums do not match, checked after the closing: every kind has something to say.
    call.required_document_types.set([f.DocumentTypeFactory(code="rib-x", name="RIB")])
    call.max_grant = Decimal("1.00")
    call.save()
    application = f.lead_application(call=call, organisation=f.OrganisationFactory())
    f.BudgetLineFactory(partner=lead_of(application), amount=Decimal("1000"))
    f.CofinancingFactory(partner=lead_of(application), amount=Decimal("900"))
    for position, (kind, parameters) in enumerate(SAMPLE_PARAMETERS.items()):
        add_rule(call, kind, position=position, **parameters)

    results = check_application(application, at=call.closes_at).results

    assert [r.kind for r in results] == list(SAMPLE_PARAMETERS)
    statuses = {r.kind: r.status for r in results}
    assert statuses.pop(RuleKind.LUMP_SUM_AMOUNT) == Status.NOT_APPLICABLE
    assert set(statuses.values()) == {Status.FAIL}, statuses
    for result in results:
        assert result.message.strip(), result.kind
        assert result.section == REGISTRY[result.kind].section
        assert "%(" not in result.message, result.message
