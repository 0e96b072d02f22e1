"""The eligibility engine on the database: facts loaded with the same queries for one dossier
or two hundred, results as plain data that freeze and thaw, rules saved wrongly reported
instead of breaking the checklist, PASS'EMPLOI eligible on its call, and the submission
window judged on the server's clock."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from stdnum import luhn

from applications.choices import ApplicationStatus, CostCategory, FundingSource
from applications.models import Application, Attachment, BudgetLine, Cofinancing
from calls.choices import CostModel, RuleKind, RuleSeverity
from calls.eligibility import (
    REGISTRY,
    RuleResult,
    Status,
    check_application,
    check_applications,
    freeze,
    thaw,
)
from calls.eligibility.facts import clear_call_cache
from calls.eligibility.kinds import Section
from calls.models import Call, CallLumpSum, EligibilityRule
from partners.choices import LegalType, PartnerRole
from partners.models import Partner
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
# The server's clock for every check of this module (calls are open then).
AT = dt.datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
OPENS = dt.datetime(2026, 3, 1, 9, 0, tzinfo=PARIS)
CLOSES = dt.datetime(2026, 12, 1, 12, 0, tzinfo=PARIS)
CENT = Decimal("0.01")

# load_facts: 1 the dossiers; 2 the calls' active rules; 3 their lump sums; 4 their
# priorities; 5 their target groups; 6 their required documents; 7 every document type;
# 8 the calls; 9 budget totals per partner; 10 co-financing per partner and source;
# 11 partners with their organisation; 12 chosen priorities, chosen target groups and
# attachments in one UNION. The call's seven (2 to 8) are kept per call afterwards.
FACT_QUERIES = 12


# --- A portfolio of dossiers over three calls --------------------------------------------


@dataclass
class Portfolio:
    calls: list[Call]
    ids: list[int]  # the dossiers, in creation order: dossier i is on calls[i % 3]

    def every(self):
        return Application.objects.filter(call__in=self.calls).order_by("reference")


def _rule(call: Call, position: int, kind: str, parameters=None, severity=RuleSeverity.BLOCKING):
    return EligibilityRule.objects.create(
        call=call,
        kind=kind,
        parameters=parameters or {},
        severity=severity,
        position=position,
        explanation=f"Règle {kind} de l'appel {call.reference}.",
    )


def _calls(programme, priorities, groups, statutes, letter) -> list[Call]:
    """An Interreg-like call, an Erasmus+ lump-sum call and an FSE call: every kind of rule
    appears at least once, with valid parameters."""
    common = {"programme": programme, "opens_at": OPENS, "closes_at": CLOSES}
    interreg = f.CallFactory(reference="ENG-INTERREG", max_cofinancing_rate="60.00", **common)
    erasmus = f.CallFactory(
        reference="ENG-ERASMUS", cost_model=CostModel.LUMP_SUM, max_grant=None, **common
    )
    fse = f.CallFactory(
        reference="ENG-FSE", max_cofinancing_rate="50.00", max_grant="100000.00", **common
    )
    interreg.required_document_types.set([statutes, letter])
    erasmus.required_document_types.set([statutes])
    fse.required_document_types.set([statutes])
    for call in (interreg, erasmus, fse):
        call.priorities.set(priorities)
        call.target_groups.set(groups)
    CallLumpSum.objects.bulk_create(
        CallLumpSum(call=erasmus, amount=Decimal(amount)) for amount in ("120000", "250000")
    )

    _rule(interreg, 0, RuleKind.SUBMISSION_WINDOW)
    _rule(interreg, 1, RuleKind.MIN_PARTNERS, {"minimum": 2})
    _rule(interreg, 2, RuleKind.REQUIRED_COUNTRIES, {"countries": ["FR", "BE"]})
    _rule(interreg, 3, RuleKind.MAX_COFINANCING_RATE)
    _rule(interreg, 4, RuleKind.DURATION_MONTHS, {"max": 48})
    _rule(interreg, 5, RuleKind.REQUIRED_ATTACHMENTS)
    _rule(interreg, 6, RuleKind.MIN_PRIORITIES, {"minimum": 1}, RuleSeverity.WARNING)
    _rule(interreg, 7, RuleKind.COMMITMENTS_SIGNED)
    _rule(interreg, 8, RuleKind.ALLOWED_NUTS, {"prefixes": ["FRE1", "BE3"]})

    _rule(erasmus, 0, RuleKind.MIN_PARTNERS, {"minimum": 3})
    _rule(erasmus, 1, RuleKind.MIN_COUNTRIES, {"minimum": 3}, RuleSeverity.WARNING)
    _rule(erasmus, 2, RuleKind.LUMP_SUM_AMOUNT)
    _rule(erasmus, 3, RuleKind.MAX_GRANT, {"amount": "250000.00"})
    _rule(erasmus, 4, RuleKind.VALID_IDENTIFIER, {"scope": "all"})
    _rule(erasmus, 5, RuleKind.MIN_TARGET_GROUPS, {"minimum": 1})
    _rule(erasmus, 6, RuleKind.PARTNER_LEGAL_TYPES, {"allowed": ["association", "asbl"]})
    _rule(erasmus, 7, RuleKind.MAX_COFINANCING_RATE)  # not applicable to lump sums
    _rule(erasmus, 8, RuleKind.REQUIRED_ATTACHMENTS)

    _rule(fse, 0, RuleKind.MIN_OWN_CONTRIBUTION, {"rate": "10.00"})
    _rule(fse, 1, RuleKind.LEAD_COUNTRY, {"countries": ["FR"]})
    _rule(fse, 2, RuleKind.LEAD_LEGAL_TYPES, {"allowed": ["association"]}, RuleSeverity.WARNING)
    _rule(fse, 3, RuleKind.START_DATE_WINDOW, {"earliest": "2027-01-01"})
    _rule(
        fse, 4, RuleKind.ALLOWED_COUNTRIES, {"countries": ["FR", "BE"], "include_associated": True}
    )
    _rule(fse, 5, RuleKind.MAX_GRANT)
    _rule(fse, 6, RuleKind.VALID_IDENTIFIER)
    _rule(fse, 7, RuleKind.DURATION_MONTHS, {"min": 12, "max": 36})
    return [interreg, erasmus, fse]


def siret(base: str) -> str:
    """A SIRET with valid keys (Luhn over the SIREN and over the 14 digits), of a series no
    other test uses."""
    siren = base + luhn.calc_check_digit(base)
    whole = siren + "0001"
    return whole + luhn.calc_check_digit(whole)


def enterprise_number(base: int) -> str:
    """A Belgian enterprise number with a valid mod-97 key."""
    first = f"0{base:07d}"
    return f"{first}{97 - int(first) % 97:02d}"


# Organisations of a sound consortium on each call, lead first (indexes in ORGANISATIONS).
SOUND = {0: [0, 1, 2, 3], 1: [0, 1, 4, 3], 2: [0, 2, 1, 3]}
# Defects, by (i // 9) % 5: none, a warning rule not met, a missing document, money
# outside the rules, dates and commitments outside the rules.
SOUND_DOSSIER, WARNING_ONLY, NO_STATUTES, MONEY, DATES = range(5)


def _organisations():
    return [
        f.OrganisationFactory(
            legal_name="Association Passerelles", siret=siret("90000001"), nuts_code="FRE11"
        ),
        f.OrganisationFactory(
            legal_name="ASBL Petite Enfance Hainaut",
            country="BE",
            legal_type=LegalType.ASBL,
            enterprise_number=enterprise_number(9000001),
            nuts_code="BE322",
        ),
        f.OrganisationFactory(
            legal_name="Centre de formation de l'Artois",
            legal_type=LegalType.TRAINING_BODY,
            siret=siret("90000002"),
            nuts_code="FRE12",
        ),
        f.OrganisationFactory(
            legal_name="ASBL Emploi Namur",
            country="BE",
            legal_type=LegalType.ASBL,
            enterprise_number=enterprise_number(9000002),
            nuts_code="BE352",
        ),
        f.OrganisationFactory(
            legal_name="Stichting Kansen Zeeland",
            country="NL",
            vat_number="NL004495445B01",
            nuts_code="NL341",
        ),
        f.OrganisationFactory(
            legal_name="Bildungswerk Aachen GmbH",
            country="DE",
            legal_type=LegalType.COMPANY,
            nuts_code="DEA2D",
        ),
        f.OrganisationFactory(
            legal_name="Association Horizons", siret=siret("90000003"), nuts_code="FRE11"
        ),
    ]


def _consortium(i: int) -> list[int]:
    """The organisations of dossier ``i``: 2 to 4, the sound ones unless its defect
    changes one of them."""
    chosen = SOUND[i % 3][: 2 + (i // 3) % 3]
    defect = (i // 9) % 5
    if defect == WARNING_ONLY and i % 3 == 1:
        chosen = [6 if org == 4 else org for org in chosen]  # two countries instead of three
    if defect == WARNING_ONLY and i % 3 == 2:
        chosen = [2, 0, *chosen[2:]]  # a training body leads
    if defect == DATES and i % 3 == 1:
        chosen = [*chosen[:-1], 5]  # a company without identifier
    return chosen


def build_portfolio(count: int) -> Portfolio:
    """``count`` dossiers spread over three calls, each with 2 to 4 partners with budget
    lines and co-financing, priorities, target groups and attachments, written with
    ``bulk_create``: some meet every rule, others miss one or several."""
    user = f.UserFactory()
    programme = f.ProgrammeFactory()
    priorities = f.PriorityFactory.create_batch(3, programme=programme)
    groups = f.TargetGroupFactory.create_batch(3, programme=programme)
    statutes = f.DocumentTypeFactory(code="eng-statuts", name="Statuts")
    letter = f.DocumentTypeFactory(code="eng-lettre", name="Lettre d'engagement", per_partner=True)
    calls = _calls(programme, priorities, groups, statutes, letter)
    organisations = _organisations()

    defects = [(i // 9) % 5 for i in range(count)]
    applications = Application.objects.bulk_create(
        Application(
            call=calls[i % 3],
            reference=f"ENG-{i:04d}",
            acronym=f"ENG{i}",
            title=f"Projet de coopération {i}",
            start_date=dt.date(2026 if defects[i] == DATES else 2027, 1, 1),
            end_date=dt.date(2030 if defects[i] == DATES else 2028, 12, 31),
            lump_sum=(
                Decimal("99999.99" if defects[i] == MONEY else ("120000", "250000")[i % 2])
                if i % 3 == 1
                else None
            ),
            status=ApplicationStatus.SUBMITTED if i % 2 else ApplicationStatus.DRAFT,
            submitted_at=(
                (CLOSES if defects[i] == DATES else OPENS) + dt.timedelta(hours=i)
                if i % 2
                else None
            ),
            created_by=user,
        )
        for i in range(count)
    )
    roles = {0: PartnerRole.LEAD, 3: PartnerRole.ASSOCIATED}
    signed = AT - dt.timedelta(days=30)
    partners = Partner.objects.bulk_create(
        Partner(
            application=application,
            organisation=organisations[org],
            role=roles.get(k, PartnerRole.PARTNER),
            number=k + 1,
            commitment_signed_at=None if defects[i] == DATES and k == 1 else signed,
        )
        for i, application in enumerate(applications)
        for k, org in enumerate(_consortium(i))
    )

    lines, resources, attachments = [], [], []
    for partner in partners:
        i = int(partner.application.reference[4:])
        staff = Decimal(10000 + 137 * (i % 50) + 1000 * partner.number) + CENT * (i % 100)
        office = (staff * Decimal("0.15")).quantize(CENT, ROUND_HALF_UP)
        lines += [
            BudgetLine(partner=partner, cost_category=CostCategory.STAFF, year=2027, amount=staff),
            BudgetLine(
                partner=partner, cost_category=CostCategory.OFFICE_ADMIN, year=2027, amount=office
            ),
        ]
        total = staff + office
        shares = ("0.65", "0.05") if defects[i] == MONEY else ("0.50", "0.12")
        eu, own = ((total * Decimal(share)).quantize(CENT, ROUND_HALF_UP) for share in shares)
        resources += [
            Cofinancing(partner=partner, source=FundingSource.EU, amount=eu),
            Cofinancing(partner=partner, source=FundingSource.OWN_FUNDS, amount=own),
            Cofinancing(
                partner=partner, source=FundingSource.NATIONAL_PUBLIC, amount=total - eu - own
            ),
        ]
        attachments.append(_attachment(partner.application, letter, user, partner=partner))
    attachments += [
        _attachment(application, statutes, user)
        for i, application in enumerate(applications)
        if defects[i] != NO_STATUTES
    ]
    BudgetLine.objects.bulk_create(lines)
    Cofinancing.objects.bulk_create(resources)
    Attachment.objects.bulk_create(attachments)
    Application.priorities.through.objects.bulk_create(
        Application.priorities.through(application=application, priority=priority)
        for i, application in enumerate(applications)
        for priority in priorities[: 0 if defects[i] == WARNING_ONLY else 1 + i % 3]
    )
    Application.target_groups.through.objects.bulk_create(
        Application.target_groups.through(application=application, targetgroup=group)
        for i, application in enumerate(applications)
        for group in groups[: 1 + i % 3]
    )
    return Portfolio(calls=calls, ids=[application.pk for application in applications])


def _attachment(application, document_type, user, partner=None) -> Attachment:
    return Attachment(
        application=application,
        partner=partner,
        document_type=document_type,
        file=f"attachments/{document_type.code}-{application.pk}.pdf",
        original_name=f"{document_type.code}.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
        uploaded_by=user,
    )


FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture(scope="module")
def portfolio(django_db_setup, django_db_blocker) -> Portfolio:
    """Two hundred dossiers built once for the module, rolled back at its end; each test
    runs in its own transaction inside (``dossiers``)."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        yield build_portfolio(200)
        transaction.set_rollback(True)


@pytest.fixture
def dossiers(portfolio, db) -> Portfolio:
    return portfolio


def first(count: int):
    """The first ``count`` dossiers of the portfolio (every call from 3 on)."""
    references = [f"ENG-{i:04d}" for i in range(count)]
    return Application.objects.filter(reference__in=references).order_by("reference")


def queries_to_check(applications) -> int:
    clear_call_cache()  # measured cold: the calls' facts are read too
    with CaptureQueriesContext(connection) as context:
        check_applications(applications, at=AT)
    return len(context.captured_queries)


# --- Queries ------------------------------------------------------------------------------


def test_one_five_or_two_hundred_dossiers_over_three_calls_are_checked_with_the_same_queries(
    dossiers,
):
    one = Application.objects.filter(pk=dossiers.ids[0])
    five = Application.objects.filter(pk__in=dossiers.ids[:5])
    every = dossiers.every()
    assert set(five.values_list("call", flat=True)) == {call.pk for call in dossiers.calls}
    assert every.count() == 200

    counts = {size: queries_to_check(batch) for size, batch in [(1, one), (5, five), (200, every)]}

    assert counts == {1: FACT_QUERIES, 5: FACT_QUERIES, 200: FACT_QUERIES}


def test_checking_one_dossier_runs_the_same_twelve_queries(dossiers, django_assert_num_queries):
    dossier = Application.objects.get(pk=dossiers.ids[1])
    clear_call_cache()
    # The dossier; the call's rules, lump sums, priorities, target groups, required
    # documents; every document type; the call; budget totals; co-financing totals;
    # partners; chosen priorities, target groups and attachments together.
    with django_assert_num_queries(FACT_QUERIES):
        outcome = check_application(dossier, at=AT)
    assert outcome.reference == "ENG-0001"
    assert len(outcome.results) == 9


def test_a_dossier_gets_the_same_outcome_alone_as_inside_a_batch(dossiers):
    batch = check_applications(dossiers.every(), at=AT)
    assert [outcome.reference for outcome in batch] == [f"ENG-{i:04d}" for i in range(200)]
    by_id = {outcome.application_id: outcome for outcome in batch}

    for pk in dossiers.ids[:9] + dossiers.ids[-3:]:
        alone = check_application(Application.objects.get(pk=pk), at=AT)
        assert alone == by_id[pk]
        assert alone.results  # the calls have rules: the comparison says something


def test_the_portfolio_gets_every_verdict_from_every_kind_of_rule(dossiers):
    outcomes = check_applications(dossiers.every(), at=AT)
    results = [result for outcome in outcomes for result in outcome.results]

    assert {result.kind for result in results} == set(REGISTRY)
    assert {result.status for result in results} == set(Status.values)
    assert {outcome.verdict for outcome in outcomes} == {"pass", "fail", "warning"}


def test_rules_naming_their_document_types_cost_no_query_per_call(dossiers):
    for call in dossiers.calls:
        _rule(call, 20, RuleKind.REQUIRED_ATTACHMENTS, {"document_types": ["eng-statuts"]})
    one = Application.objects.filter(pk=dossiers.ids[0])

    counts = {1: queries_to_check(one), 6: queries_to_check(first(6))}

    assert counts == {1: FACT_QUERIES, 6: FACT_QUERIES}


def test_a_page_of_dossiers_sliced_from_a_queryset_is_checked(dossiers):
    page = dossiers.every()[:4]

    outcomes = check_applications(page, at=AT)

    assert [outcome.reference for outcome in outcomes] == [f"ENG-{i:04d}" for i in range(4)]


# --- Results as data ----------------------------------------------------------------------

RESULT_FIELDS = [
    "rule_id",
    "kind",
    "status",
    "blocking",
    "section",
    "message",
    "figures",
    "explanation",
]
AMOUNT_FIGURES = {
    RuleKind.MAX_COFINANCING_RATE: ("maximum", "total", "eu", "rate"),
    RuleKind.MIN_OWN_CONTRIBUTION: ("minimum", "total", "own", "rate"),
    RuleKind.MAX_GRANT: ("ceiling", "requested"),
    RuleKind.LUMP_SUM_AMOUNT: ("chosen",),
}


def plain_leaves(value):
    """Every leaf of a JSON-like value."""
    if isinstance(value, dict):
        assert all(isinstance(key, str) for key in value)
        for item in value.values():
            yield from plain_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from plain_leaves(item)
    else:
        yield value


def test_each_result_is_plain_data_with_json_figures_and_amounts_as_strings(dossiers):
    outcomes = check_applications(dossiers.every(), at=AT)

    for outcome in outcomes:
        for result in outcome.results:
            assert isinstance(result, RuleResult)
            assert list(result.as_data()) == RESULT_FIELDS
            assert isinstance(result.rule_id, int)
            assert result.status in Status.values
            assert isinstance(result.blocking, bool)
            assert result.section == REGISTRY[result.kind].section
            assert isinstance(result.message, str)
            assert result.message
            assert result.explanation.startswith(f"Règle {result.kind} de l'appel ENG-")
            assert json.loads(json.dumps(result.figures)) == result.figures
            for leaf in plain_leaves(result.figures):
                assert leaf is None or isinstance(leaf, str | int | bool)
            for name in AMOUNT_FIGURES.get(result.kind, ()):
                amount = result.figures.get(name)
                assert amount is None or (isinstance(amount, str) and Decimal(amount) >= 0)


def test_amounts_and_rates_are_the_dossiers_figures_to_the_cent(dossiers):
    dossier = Application.objects.get(reference="ENG-0000")  # Interreg, EU at 50 %
    budget = sum(
        BudgetLine.objects.filter(partner__application=dossier).values_list("amount", flat=True)
    )
    eu = sum(
        Cofinancing.objects.filter(
            partner__application=dossier, source=FundingSource.EU
        ).values_list("amount", flat=True)
    )

    outcome = check_application(dossier, at=AT)

    (rate,) = [r for r in outcome.results if r.kind == RuleKind.MAX_COFINANCING_RATE]
    assert rate.figures == {
        "maximum": "60.00",
        "total": str(budget),
        "eu": str(eu),
        "rate": "50.00",
    }
    assert rate.status == "pass"
    assert rate.section == Section.COFINANCING


# --- Freeze and thaw ----------------------------------------------------------------------


def test_frozen_results_are_json_that_records_the_language(dossiers):
    for outcome in check_applications(first(6), at=AT):
        frozen = freeze(outcome)

        assert json.loads(json.dumps(frozen)) == frozen
        assert [item["rule_id"] for item in frozen] == [r.rule_id for r in outcome.results]
        assert {item["language"] for item in frozen} == {"fr"}
        assert [item["message"] for item in frozen] == [r.message for r in outcome.results]


def test_frozen_results_keep_their_verdicts_and_figures_in_every_language(dossiers):
    outcomes = check_applications(first(6), at=AT)
    frozen = [json.loads(json.dumps(freeze(outcome))) for outcome in outcomes]

    for language in ("fr", "nl", "en"):
        with translation.override(language):
            thawed = [thaw(items) for items in frozen]
        for outcome, results in zip(outcomes, thawed, strict=True):
            assert [
                (r.rule_id, r.kind, r.status, r.blocking, r.section, r.figures, r.explanation)
                for r in results
            ] == [
                (r.rule_id, r.kind, r.status, r.blocking, r.section, r.figures, r.explanation)
                for r in outcome.results
            ]
            assert all(result.message for result in results)
            if language == "fr":
                assert list(results) == list(outcome.results)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_frozen_results_are_said_again_in_the_readers_language(dossiers, language):
    outcome = check_application(Application.objects.get(reference="ENG-0000"), at=AT)
    frozen = freeze(outcome)

    # Sentences are written when read: in the reader's language.
    with translation.override(language):
        for item, result in zip(frozen, thaw(frozen), strict=True):
            assert result.message != item["message"], result.kind


def test_an_english_reader_sees_no_french_space_before_a_semicolon(dossiers):
    outcome = check_application(Application.objects.get(reference="ENG-0000"), at=AT)

    french = outcome.results[1].message
    with translation.override("en"):
        (minimum,) = [r for r in thaw(freeze(outcome)) if r.kind == RuleKind.MIN_PARTNERS]
        english = minimum.message

    assert english != french
    assert " ;" not in english


# --- Rules as the officers saved them -------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "parameters", "problem"),
    [
        (RuleKind.MIN_PARTNERS, {"minimum": "lots"}, "minimum"),
        (RuleKind.MIN_PARTNERS, "trois", "objet JSON"),
        (RuleKind.MIN_PARTNERS, {"minimum": 2, "maximum": 4}, "maximum"),
        (RuleKind.MAX_COFINANCING_RATE, {"rate": "150"}, "rate"),
        (RuleKind.DURATION_MONTHS, {"min": 24, "max": 12}, "24"),
        ("no_such_kind", {}, "no_such_kind"),
    ],
)
def test_a_rule_saved_wrongly_is_reported_without_breaking_the_checklist(
    dossier, kind, parameters, problem
):
    EligibilityRule.objects.create(
        call=dossier.call, kind=kind, parameters=parameters, position=1, explanation="Mal saisie."
    )
    f.EligibilityRuleFactory(call=dossier.call, kind=RuleKind.MIN_PARTNERS, position=2)

    outcome = check_application(dossier, at=AT)

    wrong, sound = outcome.results
    assert (wrong.kind, wrong.status, wrong.blocking) == (kind, "warning", False)
    assert "Cette règle de l'appel est mal paramétrée" in wrong.message
    assert problem in wrong.message
    assert "le service instructeur la vérifiera" in wrong.message
    assert json.loads(json.dumps(wrong.figures)) == wrong.figures
    assert (sound.kind, sound.status) == (RuleKind.MIN_PARTNERS, "pass")
    assert outcome.is_eligible
    assert outcome.verdict == "warning"
    (thawed, _sound) = thaw(freeze(outcome))
    assert thawed == wrong


def test_an_inactive_rule_is_not_run(dossier):
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 2}
    )
    f.EligibilityRuleFactory(
        call=dossier.call, kind=RuleKind.MIN_PARTNERS, parameters={"minimum": 5}, is_active=False
    )

    outcome = check_application(dossier, at=AT)

    assert [(r.kind, r.figures["minimum"]) for r in outcome.results] == [(RuleKind.MIN_PARTNERS, 2)]
    assert outcome.is_eligible


def test_results_come_in_the_rules_position_order(dossier):
    for position, kind, parameters in [
        (30, RuleKind.MIN_COUNTRIES, {"minimum": 2}),
        (10, RuleKind.REQUIRED_COUNTRIES, {"countries": ["FR", "BE"]}),
        (20, RuleKind.MIN_PARTNERS, {"minimum": 2}),
        (0, RuleKind.SUBMISSION_WINDOW, {}),
    ]:
        f.EligibilityRuleFactory(
            call=dossier.call, kind=kind, parameters=parameters, position=position
        )

    outcome = check_application(dossier)

    assert [result.kind for result in outcome.results] == [
        RuleKind.SUBMISSION_WINDOW,
        RuleKind.REQUIRED_COUNTRIES,
        RuleKind.MIN_PARTNERS,
        RuleKind.MIN_COUNTRIES,
    ]
    assert outcome.verdict == "pass"


def test_a_warning_rule_not_met_warns_without_blocking(dossier):
    f.EligibilityRuleFactory(
        call=dossier.call,
        kind=RuleKind.MIN_PARTNERS,
        parameters={"minimum": 3},
        severity=RuleSeverity.WARNING,
    )

    outcome = check_application(dossier, at=AT)

    (result,) = outcome.results
    assert (result.status, result.blocking) == ("warning", False)
    assert result.message == "Au moins 3 organisations sont requises ; ce consortium en compte 2."
    assert outcome.is_eligible
    assert outcome.verdict == "warning"


# --- The submission window on the server's clock -------------------------------------------


@pytest.fixture
def autumn_call(authority):
    """A call open from 1 September 2026, 09:00 to 31 October 2026, 12:00 (Paris)."""
    call = f.CallFactory(
        programme=f.ProgrammeFactory(managing_authority=authority),
        authority=authority,
        opens_at=dt.datetime(2026, 9, 1, 9, 0, tzinfo=PARIS),
        closes_at=dt.datetime(2026, 10, 31, 12, 0, tzinfo=PARIS),
    )
    f.EligibilityRuleFactory(call=call, kind=RuleKind.SUBMISSION_WINDOW, parameters={})
    return call


@pytest.fixture
def autumn_draft(autumn_call, alice, org_a):
    return f.lead_application(call=autumn_call, organisation=org_a, created_by=alice)


def window(application, at) -> RuleResult:
    (result,) = check_application(application, at=at).results
    return result


def test_a_draft_checked_after_the_closing_fails_the_submission_window(autumn_draft):
    result = window(autumn_draft, dt.datetime(2026, 10, 31, 11, 0, 1, tzinfo=UTC))

    assert (result.status, result.blocking) == ("fail", True)
    assert result.message == (
        "L'appel a été clos le 31 octobre 2026 12:00 (heure de Paris) : "
        "le dépôt n'est plus possible."
    )


def test_a_draft_checked_before_the_opening_is_told_when_the_call_opens(autumn_draft):
    result = window(autumn_draft, dt.datetime(2026, 8, 31, 12, 0, tzinfo=UTC))

    assert result.status == "fail"
    assert result.message == (
        "L'appel ouvre le 1 septembre 2026 09:00 (heure de Paris) : "
        "le dépôt n'est pas encore possible."
    )


def test_the_window_opens_on_its_first_instant_and_closes_on_its_last(autumn_call, autumn_draft):
    assert window(autumn_draft, autumn_call.opens_at).status == "pass"
    assert window(autumn_draft, autumn_call.closes_at - dt.timedelta(seconds=1)).status == "pass"
    assert window(autumn_draft, autumn_call.closes_at).status == "fail"
    inside = window(autumn_draft, dt.datetime(2026, 10, 1, 10, 0, tzinfo=UTC))
    assert inside.message == (
        "L'appel est ouvert : dépôt possible jusqu'au 31 octobre 2026 12:00 (heure de Paris)."
    )


def test_a_submitted_dossier_is_judged_at_its_submission_not_at_the_check(autumn_draft):
    Application.objects.filter(pk=autumn_draft.pk).update(
        status=ApplicationStatus.SUBMITTED,
        submitted_at=dt.datetime(2026, 10, 30, 16, 20, tzinfo=PARIS),
    )

    result = window(autumn_draft, dt.datetime(2027, 1, 15, 9, 0, tzinfo=UTC))

    assert result.status == "pass"
    assert (
        result.message
        == "Déposé le 30 octobre 2026 16:20, avant la clôture du 31 octobre 2026 12:00."
    )


def test_a_draft_checked_on_paris_time_before_the_opening_is_told_when_the_call_opens(
    autumn_draft,
):
    # Half an hour before the opening, on the server's clock in Paris: 08:30+02:00 is 06:30
    # UTC, before the opening read from the database as 07:00+00:00 (the message once
    # compared the two ISO strings and said the call had closed).
    result = window(autumn_draft, dt.datetime(2026, 9, 1, 8, 30, tzinfo=PARIS))

    assert result.status == "fail"
    assert result.message == (
        "L'appel ouvre le 1 septembre 2026 09:00 (heure de Paris) : "
        "le dépôt n'est pas encore possible."
    )


# --- PASS'EMPLOI, from the demo data ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The reference and demo data loaded once for the module, rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        with override_settings(DEBUG=True):
            call_command("load_reference", stdout=StringIO())
            call_command("load_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def pass_emploi(demo, db) -> Application:
    return Application.objects.get(acronym="PASS'EMPLOI")


def test_pass_emploi_passes_every_rule_of_its_call(pass_emploi):
    outcome = check_application(pass_emploi)

    assert pass_emploi.call.reference == "FWVL-V-A4-2019"
    assert [result.kind for result in outcome.results] == list(
        pass_emploi.call.rules.filter(is_active=True)
        .order_by("position", "id")
        .values_list("kind", flat=True)
    )
    assert {result.kind: result.status for result in outcome.results} == {
        RuleKind.SUBMISSION_WINDOW: "pass",
        RuleKind.REQUIRED_COUNTRIES: "pass",
        RuleKind.ALLOWED_NUTS: "pass",
        RuleKind.DURATION_MONTHS: "pass",
        RuleKind.MAX_COFINANCING_RATE: "pass",
        RuleKind.COMMITMENTS_SIGNED: "pass",
    }
    assert outcome.is_eligible
    assert outcome.verdict == "pass"
    (duration,) = [r for r in outcome.results if r.kind == RuleKind.DURATION_MONTHS]
    assert duration.message == "Le projet dure 30 mois (durée admise : au plus 48 mois)."


def test_pass_emploi_without_its_belgian_partner_misses_belgium(pass_emploi):
    belgians = Partner.objects.filter(application=pass_emploi, organisation__country="BE")
    assert belgians.exists()
    belgians.delete()  # their budget lines and co-financing go with them (CASCADE)

    outcome = check_application(pass_emploi)

    (countries,) = [r for r in outcome.results if r.kind == RuleKind.REQUIRED_COUNTRIES]
    assert (countries.status, countries.blocking) == ("fail", True)
    assert countries.figures == {"required": ["FR", "BE"], "missing": ["BE"]}
    assert countries.message == (
        "Il faut au moins une organisation de chacun de ces pays : France, Belgique ; "
        "aucune ne vient de : Belgique."
    )
    assert not outcome.is_eligible
    assert outcome.verdict == "fail"
    assert outcome.blocking_failures == [countries]
