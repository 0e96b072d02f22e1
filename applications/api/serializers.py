"""Representations of a dossier as its readers see it: identification, consortium, the
frozen facts of the version under review and, on the detail, the history of its states.
Amounts are strings with two decimals; codes link a dossier to its call and measure."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.choices import ApplicationStatus, FrozenVerdict
from applications.models import Activity, Application, Deliverable, Snapshot, WorkPackage
from applications.selectors import budget_overview
from calls.eligibility import RuleResult, Status, check_application, thaw
from partners.choices import PartnerRole
from partners.models import Partner

# The dossier's partners are read with their organisation's name and country annotated
# (``views.partners_of_dossiers``): no organisation object is built for them.


class ApplicationLeadSerializer(serializers.Serializer):
    name = serializers.CharField(source="organisation_name")
    country = serializers.CharField(source="organisation_country")


class ApplicationPartnerSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=PartnerRole.choices, read_only=True)
    organisation = serializers.CharField(source="organisation_name", read_only=True)
    country = serializers.CharField(source="organisation_country", read_only=True)

    class Meta:
        model = Partner
        fields = ["number", "role", "organisation", "country"]


def partner_row(partner: Partner) -> dict:
    """``ApplicationPartnerSerializer``'s representation, built directly (a test holds the
    two equal)."""
    return {
        "number": partner.number,
        "role": partner.role,
        "organisation": partner.organisation_name,
        "country": partner.organisation_country,
    }


def partner_rows(application_ids) -> dict[int, list[dict]]:
    """The partners of a page of dossiers, in order, as ``partner_row`` says them: one
    query of plain values. A page holds up to 800 partners: building a model object for
    each, and the serializer's per-field machinery, were most of the list's cost."""
    rows: dict[int, list[dict]] = {pk: [] for pk in application_ids}
    partners = (
        Partner.objects.filter(application_id__in=application_ids)
        .order_by("application_id", "number")
        .values_list(
            "application_id", "number", "role", "organisation__legal_name", "organisation__country"
        )
    )
    for application_id, number, role, organisation, country in partners:
        rows[application_id].append(
            {"number": number, "role": role, "organisation": organisation, "country": country}
        )
    return rows


def lead_row(partners: list[dict]) -> dict | None:
    """``ApplicationLeadSerializer``'s representation of the lead among partner rows."""
    for row in partners:
        if row["role"] == PartnerRole.LEAD:
            return {"name": row["organisation"], "country": row["country"]}
    return None


class SubmittedVersionSerializer(serializers.ModelSerializer):
    verdict = serializers.ChoiceField(choices=FrozenVerdict.choices, read_only=True)

    class Meta:
        model = Snapshot
        fields = ["number", "sha256", "verdict", "total_budget", "eu_requested"]


# "from" is a keyword: the fields are given to the metaclass as a dict.
StatusChangeSerializer = type(
    "StatusChangeSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One change of the dossier's state.",
        "__module__": __name__,
        "from": serializers.CharField(
            source="from_status", read_only=True, help_text=_("État quitté (voir status).")
        ),
        "to": serializers.CharField(
            source="to_status", read_only=True, help_text=_("État atteint (voir status).")
        ),
        "at": serializers.DateTimeField(source="created_at", read_only=True),
    },
)


STATUS_LABELS = dict(ApplicationStatus.choices)


class ApplicationSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.reference", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ApplicationStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    lead = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()
    submitted_version = SubmittedVersionSerializer(
        source="current_snapshot",
        read_only=True,
        allow_null=True,
        help_text=_(
            "Les faits figés de la version à l'instruction (null avant le premier dépôt). "
            "/ The frozen facts of the version under review (null before the first submission)."
        ),
    )

    class Meta:
        model = Application
        fields = [
            "reference",
            "call",
            "measure",
            "acronym",
            "title",
            "status",
            "status_label",
            "created_at",
            "submitted_at",
            "updated_at",
            "start_date",
            "end_date",
            "lead",
            "partners",
            "submitted_version",
        ]

    @staticmethod
    def _partners(application) -> list[dict]:
        # A list's page has its partner rows attached (``partner_rows``, one query); a
        # detail reads its prefetched partners.
        rows = getattr(application, "partner_rows", None)
        if rows is None:
            rows = [partner_row(partner) for partner in application.partners.all()]
        return rows

    @extend_schema_field(ApplicationLeadSerializer(allow_null=True))
    def get_lead(self, application) -> dict | None:
        return lead_row(self._partners(application))

    @extend_schema_field(ApplicationPartnerSerializer(many=True))
    def get_partners(self, application) -> list[dict]:
        return self._partners(application)

    def get_status_label(self, application) -> str:
        # The label from the choices, without Model.get_status_display (which rebuilds
        # the choices on every call: a third of a page's serialising).
        return str(STATUS_LABELS.get(application.status, application.status))


@extend_schema_field({"$ref": "#/components/schemas/ApplicationStatusEnum"})
class DocumentedStatusField(serializers.ChoiceField):
    """The state, documented as the list's enum (one component for one set of choices)."""


# --- the detail's work plan, budget and eligibility -----------------------------------------


def money(**kwargs) -> serializers.DecimalField:
    """An amount in euros: a string with two decimals (a Decimal, never a float)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


def rate(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, **kwargs
    )


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["position", "title", "description", "start_month", "end_month"]


class DeliverableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deliverable
        fields = ["position", "title", "description", "due_month"]


class WorkPackageSerializer(serializers.ModelSerializer):
    lead_partner = serializers.IntegerField(
        source="lead_partner.number",
        read_only=True,
        allow_null=True,
        help_text=_(
            "Numéro du partenaire responsable (voir partners), null si aucun. / Number of the "
            "partner in charge."
        ),
    )
    activities = ActivitySerializer(many=True, read_only=True)
    deliverables = DeliverableSerializer(many=True, read_only=True)

    class Meta:
        model = WorkPackage
        fields = [
            "number",
            "title",
            "description",
            "lead_partner",
            "start_month",
            "end_month",
            "activities",
            "deliverables",
        ]


class PartnerBudgetSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="partner.number", read_only=True)
    organisation = serializers.CharField(source="partner.organisation.legal_name", read_only=True)
    total_budget = money(source="budget", help_text=_("Somme des lignes de budget."))
    total_cofinancing = money(
        source="resources", help_text=_("Somme du plan de financement, toutes origines.")
    )
    eu_amount = money(source="eu", help_text=_("Part UE demandée."))
    eu_rate = rate(help_text=_("Part UE / budget, en %, à deux décimales."))


class BudgetSerializer(serializers.Serializer):
    """The budget and financing plan as the dossier's pages total them, per partner and
    for the dossier (``applications.selectors.budget_overview``)."""

    total_budget = money(source="budget", help_text=_("Somme des lignes de budget."))
    total_cofinancing = money(
        source="resources", help_text=_("Somme du plan de financement, toutes origines.")
    )
    eu_amount = money(source="eu", help_text=_("Part UE demandée."))
    eu_rate = rate(help_text=_("Part UE / budget, en %, à deux décimales ; null sans budget."))
    partners = PartnerBudgetSerializer(many=True, read_only=True)


class RuleResultSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("Type de règle."))
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    blocking = serializers.BooleanField(
        help_text=_("Une règle bloquante non remplie empêche le dépôt.")
    )
    section = serializers.CharField(help_text=_("La partie du dossier que la règle lit."))
    message = serializers.CharField(help_text=_("Le verdict, dans la langue de la requête."))


class EligibilitySerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=[
            ("submitted", _("Figés avec la version à l'instruction")),
            ("live", _("Calculés à l'instant sur le brouillon")),
        ],
        help_text=_(
            "submitted : les résultats figés au dépôt de la version à l'instruction ; live : "
            "ceux du brouillon, calculés à la lecture. / submitted: frozen with the version "
            "under review; live: the draft's, computed when read."
        ),
    )
    verdict = serializers.ChoiceField(choices=FrozenVerdict.choices)
    results = RuleResultSerializer(many=True)


def _said(result: RuleResult) -> dict:
    return {
        "rule_id": result.rule_id,
        "kind": result.kind,
        "status": result.status,
        "status_label": result.get_status_display(),
        "blocking": result.blocking,
        "section": result.section,
        "message": result.message,
    }


def _frozen(item: dict) -> dict:
    """A frozen result said again in the request's language from its figures; a result
    frozen without them (an older or imported version) as it was frozen."""
    try:
        return _said(thaw([item])[0])
    except (KeyError, TypeError, ValueError):
        status = item.get("status", Status.NOT_APPLICABLE)
        return {
            "rule_id": item.get("rule_id"),
            "kind": item.get("kind", ""),
            "status": status,
            "status_label": str(Status(status).label) if status in Status.values else status,
            "blocking": bool(item.get("blocking")),
            "section": item.get("section", ""),
            "message": item.get("message", ""),
        }


def eligibility_of(application: Application) -> dict | None:
    """What the dossier's pages show of its eligibility: the results frozen with the
    version under review once submitted (no query: the version is loaded with the
    dossier), the engine's live checklist on a draft (the engine's queries), else None."""
    snapshot = application.current_snapshot
    if snapshot is not None:
        return {
            "source": "submitted",
            "verdict": snapshot.verdict,
            "results": [_frozen(item) for item in snapshot.eligibility_results or []],
        }
    if application.status == ApplicationStatus.DRAFT:
        outcome = check_application(application)
        return {
            "source": "live",
            "verdict": outcome.verdict,
            "results": [_said(result) for result in outcome.results],
        }
    return None


class ApplicationDetailSerializer(ApplicationSerializer):
    status = DocumentedStatusField(choices=ApplicationStatus.choices, read_only=True)
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)
    work_packages = WorkPackageSerializer(many=True, read_only=True)
    budget = serializers.SerializerMethodField(
        help_text=_(
            "Budget et plan de financement du dossier tel qu'il est (non figé), par partenaire "
            "et au total. / The live budget and financing plan, per partner and in total."
        )
    )
    eligibility = serializers.SerializerMethodField(
        help_text=_(
            "Les résultats d'éligibilité que montrent les pages : figés avec la version à "
            "l'instruction une fois déposé, calculés à la lecture sur un brouillon ; null "
            "sinon. / The eligibility results the pages show: frozen with the version under "
            "review once submitted, computed when read on a draft."
        )
    )

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "work_packages",
            "budget",
            "eligibility",
            "status_history",
        ]

    @extend_schema_field(BudgetSerializer)
    def get_budget(self, application) -> dict:
        return BudgetSerializer(budget_overview(application=application)).data

    @extend_schema_field(EligibilitySerializer(allow_null=True))
    def get_eligibility(self, application) -> dict | None:
        eligibility = eligibility_of(application)
        return None if eligibility is None else EligibilitySerializer(eligibility).data
