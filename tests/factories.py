"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from applications.choices import CostCategory, FundingSource
from applications.models import (
    Application,
    Attachment,
    BudgetLine,
    Cofinancing,
    Indicator,
    WorkPackage,
)
from calls.choices import AuthorityKind, AuthorityRole, CostModel, PriorityKind, RuleKind
from calls.models import (
    AssessmentCriterion,
    Authority,
    AuthorityMember,
    Axis,
    Call,
    DocumentType,
    EligibilityRule,
    Fund,
    Measure,
    Priority,
    Programme,
    TargetGroup,
)
from partners.choices import LegalType, MembershipRole, PartnerRole
from partners.models import Invitation, Membership, Organisation, Partner, hash_token
from portal.models import User
from reporting.models import ProgressReport

# Valid identifiers (check digits verified by python-stdnum).
VALID_SIRETS = ["73282932000074", "40483304800022", "55208131766522", "35600000000048"]
VALID_BE_NUMBERS = ["0403170701", "0202239951", "0417497106"]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"fund-{n}")
    name = factory.Sequence(lambda n: f"Fonds {n}")
    short_name = factory.Sequence(lambda n: f"F{n}")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    code = factory.Sequence(lambda n: f"authority-{n}")
    name = factory.Sequence(lambda n: f"Autorité de gestion {n}")
    kind = AuthorityKind.MANAGING_AUTHORITY
    city = "Lille"
    email = factory.Sequence(lambda n: f"contact{n}@authority.example.org")


class AuthorityMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorityMember

    user = factory.SubFactory(UserFactory)
    authority = factory.SubFactory(AuthorityFactory)
    role = AuthorityRole.OFFICER


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    fund = factory.SubFactory(FundFactory)
    code = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme opérationnel {n}")
    period_start_year = 2021
    period_end_year = 2027
    managing_authority = factory.SubFactory(AuthorityFactory)


class AxisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Axis

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    name = factory.Sequence(lambda n: f"Axe prioritaire {n}")


class TargetGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetGroup

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"public-{n}")
    name = factory.Sequence(lambda n: f"Public cible {n}")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    axis = factory.SubFactory(AxisFactory)
    code = factory.Sequence(lambda n: str(100 + n))
    name = factory.Sequence(lambda n: f"Mesure {n}")
    purposes = "Favoriser le retour à l'emploi."
    operation_types = "Accompagnement renforcé\nIngénierie de parcours"
    eligible_legal_types = [LegalType.ASSOCIATION, LegalType.LOCAL_AUTHORITY]


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"priority-{n}")
    kind = PriorityKind.HORIZONTAL
    name = factory.Sequence(lambda n: f"Priorité {n}")


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"doc-{n}")
    name = factory.Sequence(lambda n: f"Pièce {n}")


class CallFactory(factory.django.DjangoModelFactory):
    """An open call by default: opened 10 days ago, closes in 20 days."""

    class Meta:
        model = Call

    reference = factory.Sequence(lambda n: f"AAP-2026-{n:03d}")
    title = factory.Sequence(lambda n: f"Appel à projets {n}")
    programme = factory.SubFactory(ProgrammeFactory)
    authority = factory.SelfAttribute("programme.managing_authority")
    summary = "Soutenir des opérations en faveur de l'emploi et de l'inclusion."
    is_published = True
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=20))
    budget_envelope = Decimal("1000000.00")
    cost_model = CostModel.REAL_COSTS
    max_cofinancing_rate = Decimal("60.00")
    min_duration_months = 12
    max_duration_months = 36
    application_prefix = factory.Sequence(lambda n: f"T-{n:03d}")


class EligibilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EligibilityRule

    call = factory.SubFactory(CallFactory)
    kind = RuleKind.MIN_PARTNERS
    parameters = factory.LazyFunction(lambda: {"minimum": 2})
    explanation = "Au moins 2 organisations."


class AssessmentCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentCriterion

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"criterion-{n}")
    name = factory.Sequence(lambda n: f"Critère {n}")
    max_score = Decimal("25")
    threshold = Decimal("13")


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A French association by default, with a valid SIRET taken from a small pool; tests
    that need many organisations give their own identifiers or none."""

    class Meta:
        model = Organisation

    legal_name = factory.Sequence(lambda n: f"Association Emploi {n}")
    legal_type = LegalType.ASSOCIATION
    country = "FR"
    nuts_code = "FRE11"
    city = "Lille"
    postcode = "59000"
    street = "1 rue de la République"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.LEGAL_REPRESENTATIVE


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    reference = factory.Sequence(lambda n: f"DOS-2026-{n:04d}")
    acronym = factory.Sequence(lambda n: f"PROJ{n}")
    title = factory.Sequence(lambda n: f"Projet de coopération {n}")
    start_date = dt.date(2027, 1, 1)
    end_date = dt.date(2028, 12, 31)
    created_by = factory.SubFactory(UserFactory)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    application = factory.SubFactory(ApplicationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = PartnerRole.PARTNER
    number = factory.Sequence(lambda n: n + 2)


class WorkPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPackage

    application = factory.SubFactory(ApplicationFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Module {n}")
    start_month = 1
    end_month = 12


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    partner = factory.SubFactory(PartnerFactory)
    cost_category = CostCategory.STAFF
    year = 2027
    amount = Decimal("10000.00")


class CofinancingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cofinancing

    partner = factory.SubFactory(PartnerFactory)
    source = FundingSource.EU
    amount = Decimal("6000.00")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    application = factory.SubFactory(ApplicationFactory)
    name = "Participants accompagnés"
    unit = "personnes"
    target_value = Decimal("100")


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    application = factory.SubFactory(ApplicationFactory)
    document_type = factory.SubFactory(DocumentTypeFactory)
    file = factory.django.FileField(filename="statuts.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "statuts.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64
    uploaded_by = factory.SubFactory(UserFactory)


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    application = factory.SubFactory(ApplicationFactory)
    number = factory.Sequence(lambda n: n + 1)
    period_start = dt.date(2027, 1, 1)
    period_end = dt.date(2027, 6, 30)
    due_date = dt.date(2027, 8, 31)


def lead_application(*, organisation=None, **kwargs) -> Application:
    """An application with its lead partner, as the portal always creates them."""
    application = ApplicationFactory(**kwargs)
    PartnerFactory(
        application=application,
        organisation=organisation or OrganisationFactory(),
        role=PartnerRole.LEAD,
        number=1,
    )
    return application


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation into a consortium, waiting for an answer, valid 14 days. Its link's
    token is the ``token`` parameter (``token-<n>`` unless given)."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"token-{n}")

    application = factory.SubFactory(ApplicationFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


# --- progress reports ---------------------------------------------------------------------

# The path of a dossier from draft to a project in progress, as the workflow walks it.
PATH_TO_PROJECT = [
    "submitted",
    "eligibility_review",
    "admissible",
    "under_assessment",
    "selected",
    "contracted",
    "in_progress",
]


def project(*, to_status: str = "in_progress", officer=None, **kwargs) -> Application:
    """A dossier (``lead_application``) walked through the workflow up to ``to_status``
    (a funded project in progress by default), one ``StatusChange`` per step."""
    from applications.workflow import transition

    application = lead_application(**kwargs)
    for status in PATH_TO_PROJECT[: PATH_TO_PROJECT.index(to_status) + 1]:
        transition(application=application, to_status=status, actor=officer)
    return application


def report_walked(report, *statuses: str, actor=None, comment: str = "Vu."):
    """``report`` moved through ``statuses`` by ``reporting.workflow``, as its services do."""
    from reporting.workflow import report_transition

    for status in statuses:
        report_transition(report=report, to_status=status, actor=actor, comment=comment)
    return report


class WorkPackageProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reporting.WorkPackageProgress"

    report = factory.SubFactory(ProgressReportFactory)
    work_package = factory.SubFactory(
        WorkPackageFactory, application=factory.SelfAttribute("..report.application")
    )
    state = "in_progress"
    narrative = "Sessions de formation en cours des deux côtés de la frontière."


class IndicatorProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reporting.IndicatorProgress"

    report = factory.SubFactory(ProgressReportFactory)
    indicator = factory.SubFactory(
        IndicatorFactory, application=factory.SelfAttribute("..report.application")
    )
    value_reached = Decimal("12")


class ExpenditureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reporting.Expenditure"

    report = factory.SubFactory(ProgressReportFactory)
    partner = factory.SubFactory(
        PartnerFactory, application=factory.SelfAttribute("..report.application")
    )
    cost_category = CostCategory.STAFF
    description = "Salaires des formateurs"
    amount = Decimal("1000.00")


def pdf_bytes(text: str = "Statuts de l'association") -> bytes:
    """A small, well-formed PDF of one page showing ``text`` (what uploads accept: a PDF
    that pypdf reads, with no active content)."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 72 770 Td ({escaped}) Tj ET".encode("latin-1", "replace"))
    page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
