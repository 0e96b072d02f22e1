"""The load scenario's world, made in the database the portal under load will use.

- one open call of its own (``LOAD-2026``) on a programme of the reference data, with its
  authority;
- ``applicants`` applicants, each a member of their own organisation and the author of a
  draft dossier on that call (created by ``applications.services.application_create``, as
  the start page does);
- ``submitted`` dossiers already submitted to the call (frozen by
  ``applications.services.snapshot_freeze``), so that the officers' queues have pages;
- ``officers`` officers of the call's authority, ``api_clients`` API accounts (officers of
  the authority too, each with a token).

Passwords are hashed once and copied (hashing 230 passwords would take a minute). The
world's logins, references and section URLs are written as JSON for the locust file.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

PASSWORD = "load-test-password-2026"
DOMAIN = "load.example.org"


def seed(*, applicants: int, officers: int, api_clients: int, submitted: int, out: Path) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from applications.choices import ApplicationStatus, CostCategory, FundingSource
    from applications.models import Application, BudgetLine, Cofinancing
    from applications.services import application_create, snapshot_freeze
    from calls.choices import AuthorityRole, CostModel
    from calls.models import AuthorityMember, Call, Programme
    from partners.choices import MembershipRole, PartnerRole
    from partners.models import Membership, Organisation, Partner
    from portal.models import User

    password = make_password(PASSWORD)
    now = timezone.now()
    with transaction.atomic():
        programme = Programme.objects.select_related("managing_authority").order_by("pk").first()
        if programme is None:
            raise SystemExit("No programme: run `manage.py load_reference` first.")
        authority = programme.managing_authority
        call, _created = Call.objects.update_or_create(
            reference="LOAD-2026",
            defaults={
                "title": "Appel à projets de la mesure de charge",
                "programme": programme,
                "authority": authority,
                "summary": "Un appel ouvert pour la mesure de charge du portail.",
                "is_published": True,
                "opens_at": now - dt.timedelta(days=10),
                "closes_at": now + dt.timedelta(days=60),
                "budget_envelope": Decimal("5000000.00"),
                "cost_model": CostModel.REAL_COSTS,
                "max_cofinancing_rate": Decimal("60.00"),
                "min_duration_months": 12,
                "max_duration_months": 36,
                "application_prefix": "LOAD",
            },
        )

        def person(email: str, first: str, last: str) -> User:
            return User.objects.create(
                email=email, first_name=first, last_name=last, password=password
            )

        world: dict = {"password": PASSWORD, "applicants": [], "officers": [], "api": []}
        for n in range(applicants):
            user = person(f"applicant{n:03d}@{DOMAIN}", "Candidate", f"N{n:03d}")
            organisation = Organisation.objects.create(
                legal_name=f"Association de charge {n:03d}",
                legal_type="association",
                country="FR",
                nuts_code="FRE11",
                city="Lille",
            )
            Membership.objects.create(
                user=user, organisation=organisation, role=MembershipRole.LEGAL_REPRESENTATIVE
            )
            dossier = application_create(
                call=call, organisation=organisation, actor=user, title=f"Projet {n:03d}"
            )
            world["applicants"].append(
                {
                    "email": user.email,
                    "reference": dossier.reference,
                    "context_url": reverse("applications:context", args=[dossier.reference]),
                    "overview_url": reverse("applications:overview", args=[dossier.reference]),
                }
            )

        author = person(f"submitter@{DOMAIN}", "Déposant", "Charge")
        for n in range(submitted):
            organisation = Organisation.objects.create(
                legal_name=f"Organisation déposante {n:04d}",
                legal_type="asbl" if n % 3 == 0 else "association",
                country="BE" if n % 3 == 0 else "FR",
                nuts_code="BE322" if n % 3 == 0 else "FRE11",
                city="Mons" if n % 3 == 0 else "Lille",
            )
            dossier = Application.objects.create(
                call=call,
                reference=f"LOAD-S-{n:04d}",
                title=f"Dossier déposé {n:04d}",
                acronym=f"S{n:04d}",
                status=ApplicationStatus.SUBMITTED,
                submitted_at=now - dt.timedelta(minutes=n),
                created_by=author,
            )
            lead = Partner.objects.create(
                application=dossier, organisation=organisation, role=PartnerRole.LEAD, number=1
            )
            BudgetLine.objects.create(
                partner=lead,
                cost_category=CostCategory.STAFF,
                year=2026,
                description="Personnel",
                amount=Decimal("10000.00") + n,
            )
            Cofinancing.objects.create(
                partner=lead, source=FundingSource.EU, amount=Decimal("6000.00")
            )
            snapshot_freeze(application=dossier, results=[], actor=author)

        for n in range(officers):
            user = person(f"officer{n:02d}@{DOMAIN}", "Agent", f"N{n:02d}")
            AuthorityMember.objects.create(
                user=user, authority=authority, role=AuthorityRole.OFFICER
            )
            world["officers"].append({"email": user.email})
        for n in range(api_clients):
            user = person(f"api{n:02d}@{DOMAIN}", "Client", f"API {n:02d}")
            AuthorityMember.objects.create(
                user=user, authority=authority, role=AuthorityRole.OFFICER
            )
            world["api"].append({"email": user.email, "token": Token.objects.create(user=user).key})
        world["call"] = call.reference
        world["queue_url"] = reverse("review:queue")

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(world, indent=1))
    return world
