"""Funds, programmes and their structure, authorities, calls for projects with their rules
and award criteria."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.choices import COUNTRY_CHOICES, LegalType

from .choices import (
    AuthorityKind,
    AuthorityRole,
    CostModel,
    PriorityKind,
    RuleKind,
    RuleSeverity,
)

reference_validator = RegexValidator(
    r"^[A-Z0-9]+(-[A-Z0-9]+)*$",
    _(
        "Une référence s'écrit en majuscules et chiffres séparés par des tirets "
        "(par exemple FSE-VM-312-2026)."
    ),
    code="reference",
)

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def split_lines(text: str) -> list[str]:
    """The non-empty lines of a text field written one item per line."""
    return [line.strip(" \t-•") for line in text.splitlines() if line.strip(" \t-•")]


class Fund(models.Model):
    """A European fund: FSE, FSE+, FEDER (Interreg), Erasmus+."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("sigle"), max_length=30)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("fonds")
        verbose_name_plural = _("fonds")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name

    def natural_key(self):
        return (self.code,)


class Authority(models.Model):
    """A body that runs calls and decides: managing authority, intermediate body with a
    global grant, national agency, regional State service, joint secretariat."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    short_name = models.CharField(_("sigle"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=30, choices=AuthorityKind.choices)
    department = models.CharField(_("service"), max_length=255, blank=True)
    street = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    country = models.CharField(_("pays"), max_length=2, choices=COUNTRY_CHOICES, default="FR")
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("autorité")
        verbose_name_plural = _("autorités")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def natural_key(self):
        return (self.code,)


class AuthorityMember(models.Model):
    """A person working for an authority: an officer (instructs, decides) or an assessor
    (scores the dossiers assigned to them). An officer sees only their authority's calls."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authority_memberships",
        verbose_name=_("personne"),
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="members", verbose_name=_("autorité")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=AuthorityRole.choices)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une autorité")
        verbose_name_plural = _("membres des autorités")
        ordering = ["authority", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "authority", "role"], name="calls_authoritymember_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.authority})"


class Programme(models.Model):
    """A fund's programme for a period, run by a managing authority."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("fonds")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=255)
    short_name = models.CharField(_("nom court"), max_length=100, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    period_start_year = models.PositiveSmallIntegerField(_("début de période"))
    period_end_year = models.PositiveSmallIntegerField(_("fin de période"))
    managing_authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="programmes",
        null=True,
        blank=True,
        verbose_name=_("autorité de gestion"),
    )
    report_interval_months = models.PositiveSmallIntegerField(
        _("rythme des rapports d'avancement (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Par exemple 6 pour Interreg (rapport semestriel)."),
    )
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["fund__short_name", "-period_start_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end_year__gte=F("period_start_year")),
                name="calls_programme_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def natural_key(self):
        return (self.code,)


class Axis(models.Model):
    """A priority axis of a programme (e.g. "Axe 4")."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="axes", verbose_name=_("programme")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("intitulé"), max_length=255)
    objective = models.TextField(_("objectif spécifique"), blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["programme", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="calls_axis_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} — {_('Axe')} {self.code}"


class TargetGroup(models.Model):
    """A public an operation addresses ("ciblage visé"): long-term unemployed, young people
    with few qualifications, residents of priority urban areas..."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="target_groups",
        verbose_name=_("programme"),
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("public cible")
        verbose_name_plural = _("publics cibles")
        ordering = ["programme", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"], name="calls_targetgroup_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    """A measure of an axis (mesure 213, or Erasmus+ "partenariats de coopération"): its
    purposes, operation types, eligible organisations, target groups and selection
    priorities ("concentration recherchée")."""

    axis = models.ForeignKey(
        Axis, on_delete=models.CASCADE, related_name="measures", verbose_name=_("axe")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("intitulé"), max_length=255)
    framework = models.CharField(
        _("cadre"),
        max_length=255,
        blank=True,
        help_text=_("Par exemple « Plan local pour l'insertion et l'emploi »."),
    )
    purposes = models.TextField(_("finalités poursuivies"), blank=True)
    operation_types = models.TextField(
        _("types d'opérations"), blank=True, help_text=_("Un type d'opération par ligne.")
    )
    selection_priorities = models.TextField(
        _("concentration recherchée"), blank=True, help_text=_("Une priorité par ligne.")
    )
    eligible_organisations = models.TextField(
        _("organismes bénéficiaires possibles"),
        blank=True,
        help_text=_("Tels que le texte du programme les énumère."),
    )
    eligible_legal_types = models.JSONField(
        _("statuts juridiques éligibles"),
        default=list,
        blank=True,
        help_text=_("Codes des statuts juridiques des organisations admises."),
    )
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="measures", blank=True, verbose_name=_("publics cibles")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["axis", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["axis", "code"], name="calls_measure_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def operation_type_list(self) -> list[str]:
        return split_lines(self.operation_types)

    @property
    def selection_priority_list(self) -> list[str]:
        return split_lines(self.selection_priorities)

    def get_eligible_legal_types_display(self) -> list[str]:
        labels = dict(LegalType.choices)
        return [str(labels.get(code, code)) for code in self.eligible_legal_types]

    def clean(self):
        from django.core.exceptions import ValidationError

        unknown = sorted(set(self.eligible_legal_types or []) - set(LegalType.values))
        if unknown:
            raise ValidationError(
                {
                    "eligible_legal_types": _("Statuts juridiques inconnus : %(codes)s")
                    % {"codes": ", ".join(unknown)}
                }
            )


class Priority(models.Model):
    """A priority an application chooses from its programme's list (Erasmus+ horizontal and
    sectoral priorities)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="priorities", verbose_name=_("programme")
    )
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("nature"), max_length=20, choices=PriorityKind.choices)
    sector = models.CharField(_("secteur"), max_length=120, blank=True)
    name = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("priorité")
        verbose_name_plural = _("priorités")
        ordering = ["programme", "kind", "sector", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"], name="calls_priority_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sector} — {self.name}" if self.sector else self.name


class DocumentType(models.Model):
    """A kind of document a call may require (statutes, bank details, letter of
    commitment...)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    per_partner = models.BooleanField(
        _("une par partenaire"),
        default=False,
        help_text=_("Chaque organisation du consortium fournit la sienne."),
    )

    class Meta:
        verbose_name = _("type de document")
        verbose_name_plural = _("types de document")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self):
        return (self.code,)


class CallQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def open_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(opens_at__lte=when, closes_at__gt=when)

    def upcoming_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(opens_at__gt=when)

    def closed_at(self, when=None):
        when = when or timezone.now()
        return self.published().filter(closes_at__lte=when)


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")


class Call(models.Model):
    """A call for projects: the measures it serves, the receiving authority, its window,
    envelope, cost model, co-financing cap, duration bounds, required documents, its
    eligibility rules and award criteria."""

    reference = models.CharField(
        _("référence"), max_length=40, unique=True, validators=[reference_validator]
    )
    title = models.CharField(_("intitulé"), max_length=255)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="calls", verbose_name=_("programme")
    )
    measures = models.ManyToManyField(
        Measure, related_name="calls", blank=True, verbose_name=_("mesures")
    )
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("autorité destinataire"),
    )
    summary = models.TextField(_("objet de l'appel"), blank=True)
    is_published = models.BooleanField(_("publié"), default=False)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    budget_envelope = models.DecimalField(
        _("enveloppe (EUR)"), max_digits=14, decimal_places=2, default=ZERO
    )
    cost_model = models.CharField(
        _("modèle de coûts"), max_length=20, choices=CostModel.choices, default=CostModel.REAL_COSTS
    )
    max_cofinancing_rate = models.DecimalField(
        _("taux maximal de cofinancement UE (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    min_duration_months = models.PositiveSmallIntegerField(
        _("durée minimale (mois)"), null=True, blank=True
    )
    max_duration_months = models.PositiveSmallIntegerField(
        _("durée maximale (mois)"), null=True, blank=True
    )
    max_grant = models.DecimalField(
        _("plafond de subvention (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_total_score = models.DecimalField(
        _("note totale minimale"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    priorities = models.ManyToManyField(
        Priority, related_name="calls", blank=True, verbose_name=_("priorités proposées")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="calls", blank=True, verbose_name=_("publics cibles proposés")
    )
    required_document_types = models.ManyToManyField(
        DocumentType, related_name="calls", blank=True, verbose_name=_("pièces obligatoires")
    )
    application_prefix = models.CharField(
        _("préfixe des références de dossier"),
        max_length=30,
        unique=True,
        validators=[reference_validator],
        help_text=_("Les dossiers sont numérotés PRÉFIXE-0001, PRÉFIXE-0002…"),
    )
    application_sequence = models.PositiveIntegerField(
        _("dernier numéro de dossier attribué"), default=0, editable=False
    )
    contact_email = models.EmailField(_("contact"), blank=True)
    max_attachment_mb = models.PositiveSmallIntegerField(
        _("taille maximale d'une pièce jointe (Mo)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["closes_at", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="calls_call_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(budget_envelope__gte=0), name="calls_call_envelope_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(max_cofinancing_rate__gte=0, max_cofinancing_rate__lte=100),
                name="calls_call_rate_between_0_and_100",
            ),
            models.CheckConstraint(
                condition=Q(max_grant__isnull=True) | Q(max_grant__gte=0),
                name="calls_call_max_grant_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_duration_months__isnull=True)
                | Q(max_duration_months__isnull=True)
                | Q(max_duration_months__gte=F("min_duration_months")),
                name="calls_call_duration_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def natural_key(self):
        return (self.reference,)

    def status_at(self, when=None) -> str:
        when = when or timezone.now()
        if when < self.opens_at:
            return CallStatus.UPCOMING
        if when < self.closes_at:
            return CallStatus.OPEN
        return CallStatus.CLOSED

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return str(CallStatus(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status == CallStatus.OPEN

    def days_left(self, when=None) -> int | None:
        """Calendar days until closing, counted in the server's zone (Europe/Paris) whatever
        zone a page activated: 0 on the last day, None when the call is not open."""
        when = when or timezone.now()
        if self.status_at(when) != CallStatus.OPEN:
            return None
        paris = ZoneInfo(settings.TIME_ZONE)
        return (timezone.localdate(self.closes_at, paris) - timezone.localdate(when, paris)).days


class CallLumpSum(models.Model):
    """One of the fixed amounts a lump-sum call offers (e.g. 120 000, 250 000, 400 000 EUR)."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="lump_sums", verbose_name=_("appel")
    )
    amount = models.DecimalField(_("montant (EUR)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("montant forfaitaire")
        verbose_name_plural = _("montants forfaitaires")
        ordering = ["call", "amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "amount"], name="calls_calllumpsum_unique_amount"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="calls_calllumpsum_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} EUR"


class EligibilityRule(models.Model):
    """One eligibility rule of a call, as data: a kind, its parameters, whether it blocks the
    submission or only warns, and its explanation in plain language."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="rules", verbose_name=_("appel")
    )
    kind = models.CharField(_("nature"), max_length=40, choices=RuleKind.choices)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    severity = models.CharField(
        _("portée"), max_length=10, choices=RuleSeverity.choices, default=RuleSeverity.BLOCKING
    )
    explanation = models.TextField(_("explication"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("règle d'éligibilité")
        verbose_name_plural = _("règles d'éligibilité")
        ordering = ["call", "position", "id"]

    def __str__(self) -> str:
        return f"{self.call.reference} — {self.get_kind_display()}"

    def clean(self):
        """The parameters are checked against the kind's declaration and stored normalised;
        a wrong one is refused with a message naming it."""
        from django.core.exceptions import ValidationError

        from .eligibility import validate_parameters

        try:
            self.parameters = validate_parameters(self.kind, self.parameters)
        except ValidationError as error:
            raise ValidationError({"parameters": error.messages}) from None

    @property
    def is_blocking(self) -> bool:
        return self.severity == RuleSeverity.BLOCKING

    def describe(self) -> str:
        """The rule in plain language: the officer's explanation, or the kind's own
        sentence with the parameters' figures."""
        if self.explanation:
            return self.explanation
        from .eligibility.kinds import REGISTRY, parse_parameters

        try:
            return REGISTRY[self.kind].describe(parse_parameters(self.kind, self.parameters))
        except Exception:  # a rule saved wrongly is described by its kind
            return self.get_kind_display()


class AssessmentCriterion(models.Model):
    """An award criterion of a call, with its maximum score and the minimum to reach."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("appel")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    max_score = models.DecimalField(_("note maximale"), max_digits=6, decimal_places=2)
    threshold = models.DecimalField(
        _("note minimale"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("critère d'attribution")
        verbose_name_plural = _("critères d'attribution")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "code"], name="calls_assessmentcriterion_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gt=0), name="calls_assessmentcriterion_max_positive"
            ),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True)
                | Q(threshold__gte=0, threshold__lte=F("max_score")),
                name="calls_assessmentcriterion_threshold_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (/{self.max_score})"
