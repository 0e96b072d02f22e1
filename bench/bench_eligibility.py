"""Benchmark of the eligibility engine on PostgreSQL.

10 000 dossiers (2 to 8 partners each) over three calls are screened in one batch with
``check_applications``; then the query count for batches of 5, 200 and 10 000 dossiers, one
dossier's checklist with ``check_application`` (median and p95 over 200 random dossiers) and
the batch's peak memory. Goals: at least 2 000 dossiers per second, the same number of
queries whatever the batch size, one checklist in under 20 ms. The exit status is non-zero
when a goal is missed; the figures end as one JSON line.

    .venv/bin/python bench/bench_eligibility.py [--reseed] [--dossiers N] [--seed S]

The database is ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/portal_bench), created when missing, migrated, and
seeded once: a later run reuses the data set when it is there with the right size;
``--reseed`` builds it again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
BENCH_URL = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
os.environ.setdefault("DJANGO_DEBUG", "true")  # settings need a secret key otherwise
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

# Version of the data set's recipe: a change to the seeding below bumps it, so that an old
# data set is rebuilt instead of being measured as if it were the new one.
RECIPE = 3
PROGRAMME_CODE = "bench-eligibility"
ORG_EMAIL_DOMAIN = "bench-eligibility.example.org"
BENCH_USER = f"bench@{ORG_EMAIL_DOMAIN}"

PARIS = ZoneInfo("Europe/Paris")
# Every check is made at this instant, so that verdicts (submission windows) do not drift
# from one run to the next.
AT = dt.datetime(2026, 11, 22, 12, 0, tzinfo=PARIS)

GOAL_RATE = 2000  # dossiers per second, batch of 10 000
GOAL_SINGLE_MS = 20.0  # one dossier's checklist, p95
BATCH_SIZES = (5, 200, 10_000)
SINGLE_RUNS = 200


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the data set")
    parser.add_argument("--dossiers", type=int, default=10_000, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=20261122, help="RNG seed")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- The database ---------------------------------------------------------------------------


def ensure_database() -> None:
    """Create the bench database when it does not exist (PostgreSQL only)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(BENCH_URL)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"BENCH_DATABASE_URL must point at PostgreSQL, not {config['ENGINE']}.")
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    params = {key: value for key, value in params.items() if value}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as c:
            exists = c.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
            ).fetchone()
            if not exists:
                c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
                print(f"Created database {config['NAME']}.")
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL unreachable at {BENCH_URL}: {error}".strip())


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation

    call_command("migrate", verbosity=0, interactive=False)
    translation.activate("fr")


# --- Identifiers with their check digits ----------------------------------------------------


def luhn_digit(digits: str) -> str:
    from stdnum import luhn

    return luhn.calc_check_digit(digits)


def make_siret(rng: random.Random, taken: set[str]) -> str:
    from stdnum.fr import siret

    while True:
        siren = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
        siren += luhn_digit(siren)
        body = siren + f"{rng.randint(1, 9999):04d}"
        value = body + luhn_digit(body)
        if value not in taken and siren != "356000000" and siret.is_valid(value):
            taken.add(value)
            return value


def make_be_number(rng: random.Random, taken: set[str]) -> str:
    from stdnum.be import vat

    while True:
        base = rng.randint(2_000_000, 9_999_999)  # 0xxx.xxx.xx: numbers of the old register
        value = f"{base:08d}{97 - base % 97:02d}"
        if value not in taken and vat.is_valid(value):
            taken.add(value)
            return value


def make_de_vat(rng: random.Random, taken: set[str]) -> str:
    from stdnum.eu import vat
    from stdnum.iso7064 import mod_11_10

    while True:
        body = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
        value = f"DE{body}{mod_11_10.calc_check_digit(body)}"
        if value not in taken and vat.is_valid(value):
            taken.add(value)
            return value


def make_nl_vat(rng: random.Random, taken: set[str]) -> str:
    from stdnum.eu import vat

    while True:
        body = "".join(str(rng.randint(0, 9)) for _ in range(8))
        check = sum((9 - i) * int(d) for i, d in enumerate(body)) % 11
        if check == 10:
            continue
        value = f"NL{body}{check}B{rng.randint(1, 20):02d}"
        if value not in taken and vat.is_valid(value):
            taken.add(value)
            return value


def make_oid(rng: random.Random, taken: set[str]) -> str:
    while True:
        value = f"E{rng.randint(10_000_000, 99_999_999)}"
        if value not in taken:
            taken.add(value)
            return value


def make_pic(rng: random.Random, taken: set[str]) -> str:
    while True:
        value = str(rng.randint(900_000_000, 999_999_999))
        if value not in taken:
            taken.add(value)
            return value


# --- The data set ---------------------------------------------------------------------------

NUTS = {
    # Territory of the Interreg-like programme (France-Wallonie-Vlaanderen) first.
    "FR": ["FRE11", "FRE12", "FRE21", "FRE22", "FRE23", "FRF21", "FRF22", "FR101", "FRK26"],
    "BE": ["BE231", "BE251", "BE253", "BE323", "BE326", "BE341", "BE352", "BE100", "BE211"],
    "DE": ["DE111", "DEA11", "DEA23", "DE300", "DE212"],
    "NL": ["NL329", "NL335", "NL412", "NL423"],
}
INTERREG_TERRITORY = ["FRE1", "FRE2", "FRF2", "BE23", "BE25", "BE32", "BE34", "BE35"]
LEGAL_TYPES = {
    "FR": [
        "association", "association", "local_authority", "intermunicipal", "training_body",
        "mission_locale", "plie", "public_body", "higher_education", "company", "insertion",
    ],
    "BE": ["asbl", "asbl", "local_authority", "public_body", "higher_education", "company"],
    "DE": ["other", "higher_education", "research", "company", "public_body", "education"],
    "NL": ["other", "higher_education", "research", "company", "public_body", "education"],
}  # fmt: skip
CITIES = {
    "FR": [("Lille", "59000"), ("Arras", "62000"), ("Amiens", "80000"), ("Reims", "51100")],
    "BE": [("Mons", "7000"), ("Kortrijk", "8500"), ("Namur", "5000"), ("Gent", "9000")],
    "DE": [("Stuttgart", "70173"), ("Düsseldorf", "40213"), ("Berlin", "10115")],
    "NL": [("Amsterdam", "1012"), ("Eindhoven", "5611"), ("Maastricht", "6211")],
}
# Legal types admitted by the calls' rules.
INTERREG_LEAD_TYPES = [
    "association", "asbl", "local_authority", "intermunicipal", "public_body",
    "higher_education", "research",
]  # fmt: skip
INTERREG_PARTNER_TYPES = [
    *INTERREG_LEAD_TYPES, "training_body", "company", "mission_locale", "plie", "insertion",
    "education", "other",
]  # fmt: skip
FSE_LEAD_TYPES = [
    "association", "local_authority", "intermunicipal", "mission_locale", "plie", "insertion",
    "training_body",
]  # fmt: skip
DOCUMENT_TYPES = [
    # code, name, per partner
    ("bench-statuts", "Statuts", False),
    ("bench-rib", "Relevé d'identité bancaire", False),
    ("bench-lettre-engagement", "Lettre d'engagement", True),
    ("bench-mandat", "Mandat (Erasmus+)", True),
    ("bench-budget-previsionnel", "Budget prévisionnel", False),
]
COST_CATEGORIES = ["staff", "office_admin", "travel", "external", "equipment", "direct_running"]
CENT = Decimal("0.01")


def money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def counts(programme) -> dict[str, int]:
    """The size of the seeded data set, table by table."""
    from applications.models import Application, Attachment, BudgetLine, Cofinancing
    from calls.models import EligibilityRule
    from partners.models import Organisation, Partner

    apps = Application.objects.filter(call__programme=programme)
    return {
        "organisations": Organisation.objects.filter(email__endswith=ORG_EMAIL_DOMAIN).count(),
        "applications": apps.count(),
        "partners": Partner.objects.filter(application__in=apps.values("pk")).count(),
        "budget_lines": BudgetLine.objects.filter(
            partner__application__in=apps.values("pk")
        ).count(),
        "cofinancings": Cofinancing.objects.filter(
            partner__application__in=apps.values("pk")
        ).count(),
        "attachments": Attachment.objects.filter(application__in=apps.values("pk")).count(),
        "rules": EligibilityRule.objects.filter(call__programme=programme).count(),
    }


def seeded_marker(args) -> dict:
    return {"recipe": RECIPE, "dossiers": args.dossiers, "seed": args.seed}


def existing_data_set(args):
    """The bench programme when the data set there matches the recipe and its recorded
    size, else None."""
    from calls.models import Programme

    programme = Programme.objects.filter(code=PROGRAMME_CODE).first()
    if programme is None:
        return None
    try:
        stamp = json.loads(programme.description)
    except ValueError:
        return None
    if stamp.get("marker") != seeded_marker(args):
        return None
    if stamp.get("counts") != counts(programme):
        return None
    return programme


def delete_data_set() -> None:
    """Remove a previous bench data set, leaves first (nothing else in the database is
    touched: only the bench programme, its calls and dossiers, the bench organisations)."""
    from django.db import transaction

    from applications.models import Application, Attachment, BudgetLine, Cofinancing
    from calls.models import Authority, Call, DocumentType, Fund, Programme
    from partners.models import Organisation, Partner

    programme = Programme.objects.filter(code=PROGRAMME_CODE).first()
    with transaction.atomic():
        if programme is not None:
            apps = Application.objects.filter(call__programme=programme).values("pk")
            Attachment.objects.filter(application__in=apps).delete()
            BudgetLine.objects.filter(partner__application__in=apps).delete()
            Cofinancing.objects.filter(partner__application__in=apps).delete()
            Application.priorities.through.objects.filter(application__in=apps).delete()
            Application.target_groups.through.objects.filter(application__in=apps).delete()
            Partner.objects.filter(application__in=apps).delete()
            Application.objects.filter(call__programme=programme).delete()
            Call.objects.filter(programme=programme).delete()
            programme.delete()
        Organisation.objects.filter(email__endswith=ORG_EMAIL_DOMAIN).delete()
        DocumentType.objects.filter(code__in=[code for code, *_ in DOCUMENT_TYPES]).delete()
        Fund.objects.filter(code=PROGRAMME_CODE).delete()
        Authority.objects.filter(code=PROGRAMME_CODE).delete()


def seed(args) -> None:
    """Build the data set with bulk_create, in one transaction, the stamp written last."""
    from django.db import transaction

    from applications.models import Application, Attachment, BudgetLine, Cofinancing
    from calls.choices import AuthorityKind, CostModel, PriorityKind, RuleKind, RuleSeverity
    from calls.eligibility import validate_parameters
    from calls.models import (
        Authority,
        Call,
        CallLumpSum,
        DocumentType,
        EligibilityRule,
        Fund,
        Priority,
        Programme,
        TargetGroup,
    )
    from partners.choices import COUNTRY_CHOICES
    from partners.models import Organisation, Partner
    from portal.models import User

    rng = random.Random(args.seed)
    started = time.perf_counter()
    delete_data_set()
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            email=BENCH_USER, defaults={"first_name": "Bench", "last_name": "Eligibility"}
        )
        if _created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        fund = Fund.objects.create(
            code=PROGRAMME_CODE, name="Fonds du banc d'essai", short_name="BENCH"
        )
        authority = Authority.objects.create(
            code=PROGRAMME_CODE,
            name="Autorité de gestion du banc d'essai",
            kind=AuthorityKind.MANAGING_AUTHORITY,
            city="Lille",
        )
        programme = Programme.objects.create(
            fund=fund,
            code=PROGRAMME_CODE,
            name="Programme du banc d'essai de l'éligibilité",
            period_start_year=2021,
            period_end_year=2027,
            managing_authority=authority,
            report_interval_months=6,
            description="{}",
        )
        priorities = Priority.objects.bulk_create(
            Priority(
                programme=programme,
                code=f"bench-priority-{i}",
                kind=PriorityKind.HORIZONTAL if i < 4 else PriorityKind.SECTORAL,
                sector="" if i < 4 else "Éducation des adultes",
                name=name,
                position=i,
            )
            for i, name in enumerate(
                [
                    "Inclusion et diversité",
                    "Transition numérique",
                    "Environnement et lutte contre le changement climatique",
                    "Participation à la vie démocratique",
                    "Parcours de formation flexibles",
                    "Compétences clés",
                    "Apprentissage tout au long de la vie",
                    "Qualité des enseignants",
                ]
            )
        )
        groups = TargetGroup.objects.bulk_create(
            TargetGroup(programme=programme, code=f"bench-public-{i}", name=name)
            for i, name in enumerate(
                [
                    "Demandeurs d'emploi de longue durée",
                    "Jeunes peu qualifiés",
                    "Habitants des quartiers prioritaires",
                    "Bénéficiaires du RSA",
                    "Seniors",
                    "Personnes en situation de handicap",
                ]
            )
        )
        documents = {
            code: DocumentType.objects.create(code=code, name=name, per_partner=per_partner)
            for code, name, per_partner in DOCUMENT_TYPES
        }

        def window(opens, closes):
            return {
                "opens_at": dt.datetime.fromisoformat(opens).replace(tzinfo=PARIS),
                "closes_at": dt.datetime.fromisoformat(closes).replace(tzinfo=PARIS),
            }

        common = {"programme": programme, "authority": authority, "is_published": True}
        interreg = Call.objects.create(
            reference="BENCH-INTERREG-2026",
            title="Interreg France-Wallonie-Vlaanderen : coopération transfrontalière",
            cost_model=CostModel.REAL_COSTS,
            max_cofinancing_rate=Decimal("60.00"),
            min_duration_months=12,
            max_duration_months=48,
            budget_envelope=Decimal("40000000.00"),
            application_prefix="BENCH-INT",
            **window("2026-09-01T09:00", "2026-12-15T12:00"),
            **common,
        )
        erasmus = Call.objects.create(
            reference="BENCH-ERASMUS-KA220-2026",
            title="Erasmus+ KA220 : partenariats de coopération",
            cost_model=CostModel.LUMP_SUM,
            max_cofinancing_rate=Decimal("100.00"),
            min_duration_months=12,
            max_duration_months=36,
            max_grant=Decimal("400000.00"),
            budget_envelope=Decimal("25000000.00"),
            application_prefix="BENCH-KA220",
            **window("2026-09-15T09:00", "2026-12-31T12:00"),
            **common,
        )
        fse = Call.objects.create(
            reference="BENCH-FSE-2026",
            title="FSE+ : accompagnement vers l'emploi",
            cost_model=CostModel.REAL_COSTS,
            max_cofinancing_rate=Decimal("60.00"),
            min_duration_months=6,
            max_duration_months=36,
            max_grant=Decimal("500000.00"),
            budget_envelope=Decimal("12000000.00"),
            application_prefix="BENCH-FSE",
            **window("2026-08-25T09:00", "2026-11-30T12:00"),
            **common,
        )
        CallLumpSum.objects.bulk_create(
            CallLumpSum(call=erasmus, amount=Decimal(amount))
            for amount in ("120000.00", "250000.00", "400000.00")
        )
        erasmus.priorities.set(priorities)
        fse.target_groups.set(groups[:5])
        interreg.required_document_types.set(
            [
                documents["bench-statuts"],
                documents["bench-rib"],
                documents["bench-lettre-engagement"],
            ]
        )
        erasmus.required_document_types.set([documents["bench-mandat"]])
        fse.required_document_types.set([documents["bench-statuts"], documents["bench-rib"]])

        eu_and_associated = [code for code, _label in COUNTRY_CHOICES]
        warning = RuleSeverity.WARNING
        rule_sets = {
            interreg: [
                (RuleKind.REQUIRED_COUNTRIES, {"countries": ["FR", "BE"]}),
                (RuleKind.ALLOWED_NUTS, {"prefixes": INTERREG_TERRITORY}),
                (RuleKind.MIN_PARTNERS, {"minimum": 3}),
                (RuleKind.MIN_COUNTRIES, {"minimum": 2}),
                (RuleKind.LEAD_LEGAL_TYPES, {"allowed": INTERREG_LEAD_TYPES}),
                (RuleKind.PARTNER_LEGAL_TYPES, {"allowed": INTERREG_PARTNER_TYPES}),
                (RuleKind.VALID_IDENTIFIER, {"scope": "all"}),
                (RuleKind.DURATION_MONTHS, {"min": 12, "max": 48}),
                (RuleKind.MAX_COFINANCING_RATE, {}),
                (RuleKind.MIN_OWN_CONTRIBUTION, {"rate": "10"}, warning),
                (RuleKind.COMMITMENTS_SIGNED, {}),
                (RuleKind.REQUIRED_ATTACHMENTS, {}),
                (RuleKind.SUBMISSION_WINDOW, {}),
            ],
            erasmus: [
                (RuleKind.MIN_PARTNERS, {"minimum": 3}),
                (RuleKind.MIN_COUNTRIES, {"minimum": 3}),
                (RuleKind.ALLOWED_COUNTRIES, {"countries": eu_and_associated}),
                (RuleKind.VALID_IDENTIFIER, {"scope": "all"}),
                (RuleKind.LUMP_SUM_AMOUNT, {}),
                (RuleKind.MAX_GRANT, {}),
                (RuleKind.MIN_PRIORITIES, {"minimum": 1}),
                (RuleKind.DURATION_MONTHS, {"min": 12, "max": 36}),
                (RuleKind.COMMITMENTS_SIGNED, {}),
                (RuleKind.REQUIRED_ATTACHMENTS, {}),
                (RuleKind.SUBMISSION_WINDOW, {}),
            ],
            fse: [
                (RuleKind.LEAD_COUNTRY, {"countries": ["FR"]}),
                (RuleKind.ALLOWED_COUNTRIES, {"countries": ["FR"], "include_associated": True}),
                (RuleKind.LEAD_LEGAL_TYPES, {"allowed": FSE_LEAD_TYPES}),
                (RuleKind.VALID_IDENTIFIER, {"scope": "lead"}),
                (RuleKind.DURATION_MONTHS, {"min": 6, "max": 36}),
                (RuleKind.START_DATE_WINDOW, {"earliest": "2027-01-01", "latest": "2027-12-31"}),
                (RuleKind.MAX_COFINANCING_RATE, {"rate": "60"}),
                (RuleKind.MIN_OWN_CONTRIBUTION, {"rate": "5"}, warning),
                (RuleKind.MAX_GRANT, {"amount": "500000"}),
                (RuleKind.MIN_TARGET_GROUPS, {"minimum": 1}),
                (RuleKind.COMMITMENTS_SIGNED, {}),
                (
                    RuleKind.REQUIRED_ATTACHMENTS,
                    {"document_types": ["bench-statuts", "bench-rib", "bench-budget-previsionnel"]},
                ),
                (RuleKind.SUBMISSION_WINDOW, {}),
            ],
        }
        EligibilityRule.objects.bulk_create(
            EligibilityRule(
                call=call,
                kind=rule[0],
                parameters=validate_parameters(rule[0], rule[1]),
                severity=rule[2] if len(rule) > 2 else RuleSeverity.BLOCKING,
                position=position,
            )
            for call, rules in rule_sets.items()
            for position, rule in enumerate(rules, start=1)
        )

        # ~2 000 organisations with valid identifiers and NUTS codes.
        taken: set[str] = set()
        organisations = []
        n_orgs = max(200, args.dossiers // 5)
        for i in range(n_orgs):
            country = rng.choices(["FR", "BE", "DE", "NL"], weights=[45, 30, 13, 12])[0]
            city, postcode = rng.choice(CITIES[country])
            nuts = NUTS[country]
            # Two organisations in three sit in the Interreg territory (the first codes).
            nuts_code = rng.choice(nuts[:5] if rng.random() < 0.66 else nuts)
            org = Organisation(
                legal_name=f"Organisation {country} {i + 1:05d}",
                acronym=f"ORG{i + 1}",
                legal_type=rng.choice(LEGAL_TYPES[country]),
                country=country,
                nuts_code=nuts_code,
                street=f"{rng.randint(1, 200)} rue de l'Europe",
                postcode=postcode,
                city=city,
                email=f"contact{i + 1}@{ORG_EMAIL_DOMAIN}",
            )
            if country == "FR":
                org.siret = make_siret(rng, taken)
                org.siren = org.siret[:9]
                org.vat_number = f"FR{int(org.siren + '12') % 97:02d}{org.siren}"
            elif country == "BE":
                org.enterprise_number = make_be_number(rng, taken)
                org.vat_number = "BE" + org.enterprise_number
            else:
                kind = rng.random()
                if kind < 0.6:
                    org.vat_number = (make_de_vat if country == "DE" else make_nl_vat)(rng, taken)
                elif kind < 0.8:
                    org.pic = make_pic(rng, taken)
                else:
                    org.oid = make_oid(rng, taken)
            if rng.random() < 0.5:
                org.pic = org.pic or make_pic(rng, taken)
            if rng.random() < 0.4:
                org.oid = org.oid or make_oid(rng, taken)
            organisations.append(org)
        Organisation.objects.bulk_create(organisations, batch_size=2000)
        by_country: dict[str, list[Organisation]] = {c: [] for c in NUTS}
        in_territory: dict[str, list[Organisation]] = {c: [] for c in NUTS}
        for org in organisations:
            by_country[org.country].append(org)
            if org.nuts_code.startswith(tuple(INTERREG_TERRITORY)):
                in_territory[org.country].append(org)

        calls = {
            # share of the dossiers, country weights of the partners, partners from the
            # programme's territory, legal types a lead is chosen among, budget line amounts
            interreg.pk: (0.40, {"FR": 49, "BE": 49, "DE": 1, "NL": 1}, True,
                          INTERREG_LEAD_TYPES, (2_000, 60_000)),
            erasmus.pk: (0.35, {"FR": 30, "BE": 25, "DE": 25, "NL": 20}, False,
                         None, (1_000, 15_000)),
            fse.pk: (0.25, {"FR": 97, "BE": 3}, False, FSE_LEAD_TYPES, (1_000, 20_000)),
        }  # fmt: skip
        call_list = [interreg, erasmus, fse]
        call_weights = [calls[call.pk][0] for call in call_list]
        # The documents joined to the dossiers of each call (the required ones, and more).
        attached = {
            interreg.pk: ["bench-statuts", "bench-rib", "bench-lettre-engagement"],
            erasmus.pk: ["bench-mandat", "bench-statuts"],
            fse.pk: ["bench-statuts", "bench-rib", "bench-budget-previsionnel"],
        }
        sequences = Counter()
        chunk = 1000
        for start in range(0, args.dossiers, chunk):
            apps = []
            plans = []
            for _i in range(start, min(start + chunk, args.dossiers)):
                call = rng.choices(call_list, weights=call_weights)[0]
                _share, weights, territorial, lead_types, _amounts = calls[call.pk]
                sequences[call.pk] += 1
                number = sequences[call.pk]
                submitted = rng.random() < 0.7
                if submitted:
                    # A few dossiers deposited after closing (rejected by the window rule).
                    late = rng.random() < 0.03
                    base = call.closes_at if late else call.opens_at
                    span = 86400 * 5 if late else (AT - call.opens_at).total_seconds()
                    submitted_at = base + dt.timedelta(seconds=rng.uniform(60, span))
                else:
                    submitted_at = None
                start_date = end_date = None
                if submitted or rng.random() < 0.85:
                    start_date = add_months(dt.date(2027, 1, 1), rng.randint(-1, 11))
                    low, high = (call.min_duration_months, call.max_duration_months)
                    months = rng.randint(low, high) if rng.random() < 0.93 else high + 6
                    end_date = add_months(start_date, months) - dt.timedelta(days=1)
                lump_sum = None
                if call is erasmus:
                    lump_sum = Decimal(
                        rng.choice(["120000.00", "250000.00", "400000.00"])
                        if rng.random() < 0.96
                        else "200000.00"
                    )
                apps.append(
                    Application(
                        call=call,
                        reference=f"{call.application_prefix}-{number:05d}",
                        acronym=f"P{number}",
                        title=f"Projet {number} de l'appel {call.reference}",
                        summary="Un projet de coopération pour l'emploi et la formation.",
                        start_date=start_date,
                        end_date=end_date,
                        lump_sum=lump_sum,
                        status="submitted" if submitted else "draft",
                        submitted_at=submitted_at,
                        created_by=user,
                    )
                )
                # Consortium: 2 to 8 organisations drawn by the call's country weights, from
                # the programme's territory for most (a few applicants get it wrong)...
                size = rng.randint(2, 8)
                chosen: list[Organisation] = []
                countries = list(weights)
                while len(chosen) < size:
                    country = rng.choices(countries, weights=[weights[c] for c in countries])[0]
                    pool = by_country[country]
                    if territorial and in_territory[country] and rng.random() < 0.98:
                        pool = in_territory[country]
                    org = rng.choice(pool)
                    if org not in chosen:
                        chosen.append(org)
                # ... and led by an organisation of an admitted legal type, mostly.
                if lead_types and rng.random() < 0.95:
                    admitted = [org for org in chosen if org.legal_type in lead_types]
                    if admitted:
                        chosen.remove(admitted[0])
                        chosen.insert(0, admitted[0])
                plans.append((call, chosen))
            Application.objects.bulk_create(apps, batch_size=2000)

            partners = []
            for app, (call, chosen) in zip(apps, plans, strict=True):
                for number, org in enumerate(chosen, start=1):
                    if number == 1:
                        role = "lead"
                    elif call is not erasmus and rng.random() < 0.12:
                        role = "associated"
                    else:
                        role = "partner"
                    signed = rng.random() < (0.995 if app.submitted_at else 0.9)
                    partners.append(
                        Partner(
                            application=app,
                            organisation=org,
                            role=role,
                            number=number,
                            contact_name=f"Contact {org.acronym}",
                            contact_email=org.email,
                            commitment_signed_at=(
                                call.opens_at + dt.timedelta(days=rng.randint(1, 60))
                                if signed
                                else None
                            ),
                            commitment_signed_by=user if signed else None,
                        )
                    )
            Partner.objects.bulk_create(partners, batch_size=5000)

            partners_of: dict[int, list[Partner]] = {}
            for partner in partners:
                partners_of.setdefault(partner.application_id, []).append(partner)
            lines, resources, attachments, chosen_priorities, chosen_groups = [], [], [], [], []
            for partner in partners:
                low, high = calls[partner.application.call_id][4]
                budget = Decimal("0.00")
                for _line in range(rng.randint(3, 8)):
                    amount = money(rng.uniform(low, high))
                    budget += amount
                    lines.append(
                        BudgetLine(
                            partner=partner,
                            cost_category=rng.choice(COST_CATEGORIES),
                            year=rng.randint(2027, 2029),
                            description="Dépense prévue",
                            amount=amount,
                        )
                    )
                # The EU share, own funds, then public co-financing for the rest.
                eu = budget * Decimal(str(round(rng.uniform(0.42, 0.63), 3)))
                own = budget * Decimal(str(round(rng.uniform(0.04, 0.25), 3)))
                rows = [("eu", "Union européenne", eu)]
                n_rows = rng.randint(1, 3)
                if n_rows >= 2:
                    rows.append(("own_funds", "", own))
                if n_rows == 3:
                    public = rng.choice(["regional_public", "national_public"])
                    rest = max(budget - eu - own, Decimal("0"))
                    rows.append((public, "Région Hauts-de-France", rest))
                for source, funder, amount in rows:
                    resources.append(
                        Cofinancing(
                            partner=partner,
                            source=source,
                            funder=funder,
                            amount=amount.quantize(CENT),
                            is_secured=rng.random() < 0.6,
                        )
                    )
            for app, (call, _chosen) in zip(apps, plans, strict=True):
                completeness = 0.995 if app.submitted_at else 0.85
                for code in attached[call.pk]:
                    document = documents[code]
                    owners = partners_of[app.pk] if document.per_partner else [None]
                    for partner in owners:
                        if rng.random() >= completeness:
                            continue
                        size = rng.randint(40_000, 4_000_000)
                        attachments.append(
                            Attachment(
                                application=app,
                                partner=partner,
                                document_type=document,
                                file=f"attachments/{rng.getrandbits(128):032x}.pdf",
                                original_name=f"{code.removeprefix('bench-')}.pdf",
                                content_type="application/pdf",
                                size=size,
                                sha256=f"{rng.getrandbits(256):064x}",
                                uploaded_by=user,
                            )
                        )
                if call is erasmus:
                    count = rng.choices([0, 1, 2, 3], weights=[6, 40, 40, 14])[0]
                    chosen_priorities += [
                        Application.priorities.through(application=app, priority=priority)
                        for priority in rng.sample(priorities, count)
                    ]
                elif rng.random() < 0.3:
                    chosen_priorities.append(
                        Application.priorities.through(
                            application=app, priority=rng.choice(priorities)
                        )
                    )
                if call is fse or rng.random() < 0.2:
                    count = rng.choices([0, 1, 2, 3], weights=[5, 50, 35, 10])[0]
                    chosen_groups += [
                        Application.target_groups.through(application=app, targetgroup=group)
                        for group in rng.sample(groups, count)
                    ]
            BudgetLine.objects.bulk_create(lines, batch_size=5000)
            Cofinancing.objects.bulk_create(resources, batch_size=5000)
            Attachment.objects.bulk_create(attachments, batch_size=5000)
            Application.priorities.through.objects.bulk_create(chosen_priorities, batch_size=5000)
            Application.target_groups.through.objects.bulk_create(chosen_groups, batch_size=5000)
            print(f"  seeded {min(start + chunk, args.dossiers):>6} dossiers", flush=True)

        for call in (interreg, erasmus, fse):
            Call.objects.filter(pk=call.pk).update(application_sequence=sequences[call.pk])
        programme.description = json.dumps(
            {"marker": seeded_marker(args), "counts": counts(programme)}
        )
        programme.save(update_fields=["description"])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Seeded in {time.perf_counter() - started:.1f} s.", flush=True)


# --- Measures -------------------------------------------------------------------------------


def timed_batch(queryset):
    """One batch: (seconds, number of queries, outcomes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls.eligibility import check_applications

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        outcomes = check_applications(queryset, at=AT)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), outcomes


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(args, programme) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.models import Application
    from calls.eligibility import check_application, engine
    from calls.eligibility.facts import load_facts

    calls = list(programme.calls.order_by("pk"))
    batch = Application.objects.filter(call__in=calls).order_by("pk")
    pks = list(batch.values_list("pk", flat=True))
    n = len(pks)
    print(f"\nData set: {n} dossiers in {len(calls)} calls ({programme.description})")

    load_before = os.getloadavg()[0]
    # (1) The whole batch: one warm-up, then the best of three.
    gc.collect()
    rss_before = maxrss_mib()
    warm_time, _queries, outcomes = timed_batch(batch)
    rss_after = maxrss_mib()
    assert len(outcomes) == n, (len(outcomes), n)
    times, batch_queries = [], set()
    for _run in range(3):
        del outcomes
        gc.collect()
        elapsed, queries, outcomes = timed_batch(batch)
        times.append(elapsed)
        batch_queries.add(queries)
    best = min(times)
    rate = n / best
    verdicts = Counter(outcome.verdict for outcome in outcomes)
    by_call = {}
    call_of = dict(batch.values_list("pk", "call__reference"))
    for outcome in outcomes:
        entry = by_call.setdefault(call_of[outcome.application_id], Counter())
        entry["dossiers"] += 1
        entry["eligible"] += outcome.is_eligible
        for result in outcome.blocking_failures:
            entry[result.kind] += 1
    rules_checked = sum(len(outcome.results) for outcome in outcomes)
    # Every sentence of the batch read once (what an export of the whole batch costs; the
    # engine may write them when they are read): not part of the goals.
    started = time.perf_counter()
    written = sum(len(result.message) for outcome in outcomes for result in outcome.results)
    sentences_time = time.perf_counter() - started
    assert written
    del outcomes

    # Where the batch's time goes: loading the facts (queries and rows) or the rules, with
    # the cyclic collector paused as check_applications does.
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        facts = load_facts(batch, rule_parser=engine._parse_rule)
        facts_time = time.perf_counter() - started
        started = time.perf_counter()
        for item in facts:
            engine.check_facts(item, at=AT)
        rules_time = time.perf_counter() - started
    finally:
        gc.enable()
    partners = sum(len(item.partners) for item in facts)
    del facts

    # (2) The number of queries for batches of 5, 200 and 10 000 dossiers.
    # The smaller batches take dossiers of every call in turn (the call-level queries
    # depend on the calls' rules, not on the number of dossiers): the first pk of each call,
    # then the second... and the largest is the whole batch's queryset itself.
    per_call: dict[str, list[int]] = {}
    for pk in pks:
        per_call.setdefault(call_of[pk], []).append(pk)
    interleaved = [pk for group in zip(*per_call.values(), strict=False) for pk in group]
    per_size = {}
    for size in BATCH_SIZES:
        size = min(size, n)
        subset = batch if size == n else batch.filter(pk__in=interleaved[:size])
        _elapsed, queries, outcomes = timed_batch(subset)
        assert len(outcomes) == size, (len(outcomes), size)
        assert {call_of[o.application_id] for o in outcomes} == set(per_call), size
        per_size[size] = queries
    constant = len(set(per_size.values()) | batch_queries) == 1

    # (3) One dossier's checklist, 200 random dossiers, as a web request makes it: without
    # the 10 000 outcomes of the batches above still held in memory, whose heap the
    # cyclic collector would otherwise walk during the measures.
    del outcomes
    gc.collect()
    rng = random.Random(args.seed + 1)
    sample = rng.sample(pks, min(SINGLE_RUNS, n))
    dossiers = Application.objects.in_bulk(sample)
    check_application(dossiers[sample[0]], at=AT)  # warm-up
    single_ms, single_queries = [], {}
    for pk in sample:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            check_application(dossiers[pk], at=AT)
            single_ms.append((time.perf_counter() - started) * 1000)
        single_queries.setdefault(call_of[pk], set()).add(len(queries))
    single_median = statistics.median(single_ms)
    single_p95 = percentile(single_ms, 0.95)

    # (4) Peak memory of the batch: Python allocations traced on one more run (slower, not
    # timed), and the process's resident size over the first (warm-up) run.
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    _elapsed, _queries, outcomes = timed_batch(batch)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del outcomes

    return {
        "bench": "eligibility",
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} CPU, Python {platform.python_version()}",
        "postgresql": connection.pg_version,
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "dossiers": n,
        "partners": partners,
        "rules_checked": rules_checked,
        "batch_seconds_best": round(best, 3),
        "batch_seconds_runs": [round(t, 3) for t in times],
        "batch_seconds_warmup": round(warm_time, 3),
        "dossiers_per_second": round(rate),
        "facts_seconds": round(facts_time, 3),
        "rules_seconds": round(rules_time, 3),
        "all_sentences_seconds": round(sentences_time, 3),
        "batch_queries": sorted(batch_queries),
        "queries_by_batch_size": {str(size): q for size, q in per_size.items()},
        "queries_constant": constant,
        "single_queries_by_call": {
            reference: sorted(counts) for reference, counts in sorted(single_queries.items())
        },
        "single_ms_median": round(single_median, 2),
        "single_ms_p95": round(single_p95, 2),
        "single_ms_max": round(max(single_ms), 2),
        "peak_traced_mib": round(peak / 2**20, 1),
        "maxrss_mib": round(maxrss_mib(), 1),
        "maxrss_delta_first_batch_mib": round(rss_after - rss_before, 1),
        "verdicts": dict(verdicts),
        "by_call": {ref: dict(c) for ref, c in sorted(by_call.items())},
    }


def report(figures: dict) -> bool:
    goals = {
        f"throughput >= {GOAL_RATE} dossiers/s": figures["dossiers_per_second"] >= GOAL_RATE,
        "queries constant in the batch size": figures["queries_constant"],
        f"single dossier p95 < {GOAL_SINGLE_MS:g} ms": figures["single_ms_p95"] < GOAL_SINGLE_MS,
    }
    n = figures["dossiers"]
    line = "-" * 72
    print(line)
    print(f"Eligibility benchmark — {figures['date']} — {figures['machine']}")
    print(f"PostgreSQL {figures['postgresql']}, database {BENCH_URL}")
    before, after = figures["load_average_1min"]
    print(f"Load average (1 min) before/after the measures: {before} / {after}")
    print(line)
    print(
        f"(1) Batch of {n} dossiers ({figures['partners']} partners, "
        f"{figures['rules_checked']} rule verdicts)"
    )
    runs = ", ".join(f"{t:.3f}" for t in figures["batch_seconds_runs"])
    print(f"    wall time, best of 3     {figures['batch_seconds_best']:.3f} s   (runs: {runs} s;"
          f" warm-up {figures['batch_seconds_warmup']:.3f} s)")  # fmt: skip
    print(f"    throughput               {figures['dossiers_per_second']} dossiers/s")
    print(f"    queries                  {', '.join(map(str, figures['batch_queries']))}")
    print(
        f"    split                    facts {figures['facts_seconds']:.3f} s"
        f" + rules {figures['rules_seconds']:.3f} s (collector paused)"
    )
    print(
        f"    reading every sentence   {figures['all_sentences_seconds']:.3f} s"
        f" for the {figures['rules_checked']} verdicts (not part of the goals)"
    )
    print("(2) Queries by batch size (each batch holds dossiers of the 3 calls)")
    for size, queries in figures["queries_by_batch_size"].items():
        print(f"    {int(size):>6} dossiers         {queries} queries")
    print(f"(3) One dossier's checklist, {SINGLE_RUNS} random dossiers")
    print(
        f"    median {figures['single_ms_median']:.2f} ms, p95 {figures['single_ms_p95']:.2f} ms,"
        f" max {figures['single_ms_max']:.2f} ms"
    )
    for reference, queries in figures["single_queries_by_call"].items():
        print(f"    {reference:<26} {', '.join(map(str, queries))} queries per dossier")
    print("(4) Memory of the batch")
    print(
        f"    peak traced (tracemalloc) {figures['peak_traced_mib']:.1f} MiB;"
        f" max RSS {figures['maxrss_mib']:.1f} MiB"
        f" (+{figures['maxrss_delta_first_batch_mib']:.1f} MiB over the first batch)"
    )
    print("    verdicts                 " + ", ".join(
        f"{k} {v}" for k, v in sorted(figures["verdicts"].items())))  # fmt: skip
    for reference, tally in figures["by_call"].items():
        failures = sorted(
            ((k, v) for k, v in tally.items() if k not in ("dossiers", "eligible")),
            key=lambda item: -item[1],
        )
        print(
            f"    {reference:<26} {tally['eligible']}/{tally['dossiers']} eligible; blocking: "
            + ", ".join(f"{k} {v}" for k, v in failures[:4])
        )
    print("(5) Goals")
    for goal, met in goals.items():
        print(f"    {'PASS' if met else 'FAIL'}  {goal}")
    print(line)
    figures["goals_met"] = all(goals.values())
    print(json.dumps({k: v for k, v in figures.items() if k != "by_call"}, sort_keys=False))
    return figures["goals_met"]


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database()
    setup_django()
    if args.seed_only:
        seed(args)
        return 0
    programme = None if args.reseed else existing_data_set(args)
    if programme is None:
        print(f"Seeding {args.dossiers} dossiers (seed {args.seed})…", flush=True)
        # In a child process, so that the seeding's memory does not blur the measures.
        command = [sys.executable, __file__, "--seed-only", f"--dossiers={args.dossiers}",
                   f"--seed={args.seed}"]  # fmt: skip
        subprocess.run(command, check=True)
        programme = existing_data_set(args)
        if programme is None:
            sys.exit("The seeded data set is not the expected one.")
    else:
        print(f"Reusing the seeded data set ({args.dossiers} dossiers, seed {args.seed}).")
    return 0 if report(measure(args, programme)) else 1


if __name__ == "__main__":
    sys.exit(main())
