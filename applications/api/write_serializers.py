"""What a client sends to write on a dossier, and what it gets back.

These serializers document the requests and shape the answers; they do not hold the rules.
The data sent is checked by the pages' own Django forms (``applications.forms``,
``partners.forms``, ``applications.uploads.AttachmentForm``) and written by the pages'
services, so that the API and the pages accept and refuse exactly the same things, with
the same messages. Related objects are named by their codes (call reference, measure,
priority, target group, document type) and partners by their number in the dossier."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.eligibility.engine import Status
from calls.models import Call
from partners.choices import InvitationStatus, PartnerRole


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A read-only choice documented with its values in place, not as a shared enum
    component (several components name different choice sets ``status`` or ``role``)."""
    values = [value for value, _label in choices]
    field_class = extend_schema_field({"type": "string", "enum": values})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, read_only=True, **kwargs)


# --- creating a dossier -------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    """A new draft: the call, the lead organisation (one of the account's) and a working
    title."""

    call = serializers.SlugRelatedField(
        slug_field="reference",
        queryset=Call.objects.published(),
        help_text=_(
            "Référence de l'appel, ouvert à l'heure du serveur. / Reference of the call, open "
            "by the server's clock."
        ),
        error_messages={
            "does_not_exist": _("Aucun appel publié n'a la référence « {value} »."),
            "invalid": _("Indiquez la référence de l'appel."),
        },
    )
    organisation = serializers.IntegerField(
        help_text=_(
            "Identifiant de l'organisation chef de file, dont le compte est membre "
            "(/api/v1/organisations/). / Id of the lead organisation, one the account is a "
            "member of."
        )
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text=_("Intitulé provisoire (facultatif). / Working title (optional)."),
    )


# --- sections -----------------------------------------------------------------------------

VERSION_HELP = _(
    "Version de la section sur laquelle la modification est faite (celle lue par GET) : si "
    "quelqu'un l'a enregistrée entre-temps, la modification est refusée (409) et rien n'est "
    "écrit. / The version of the section the change is made on (as read by GET): if someone "
    "saved it meanwhile, the change is refused (409) and nothing is written."
)


class SectionSerializer(serializers.Serializer):
    """What every section carries beside its fields."""

    section = serializers.CharField(read_only=True, help_text=_("Clé de la section. / Key."))
    version = serializers.IntegerField(min_value=0, help_text=VERSION_HELP)
    editable = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "Si ce compte peut la modifier maintenant. / Whether this account may change it now."
        ),
    )


class IdentificationSectionSerializer(SectionSerializer):
    measure = serializers.CharField(
        allow_null=True,
        required=False,
        help_text=_(
            "Code de la mesure, parmi celles de l'appel (obligatoire quand l'appel en a). / "
            "Code of the measure, among the call's (required when the call has some)."
        ),
    )
    acronym = serializers.CharField(required=False, allow_blank=True, max_length=40)
    title = serializers.CharField(required=False, max_length=255)
    summary = serializers.CharField(required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)


class ContextSectionSerializer(SectionSerializer):
    context = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    cross_border_added_value = serializers.CharField(required=False, allow_blank=True)


class PrioritiesSectionSerializer(SectionSerializer):
    priorities = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_(
            "Codes des priorités choisies parmi celles de l'appel. / Codes of the chosen "
            "priorities, among the call's."
        ),
    )
    target_groups = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_(
            "Codes des publics cibles choisis parmi ceux de l'appel. / Codes of the chosen "
            "target groups, among the call's."
        ),
    )


# --- sections made of lists (formsets) -----------------------------------------------------

ROWS_HELP = _(
    "Les lignes de la section, chacune avec son « id » (null pour une nouvelle ligne). Une "
    "modification envoie la liste entière : une ligne existante absente de la liste est "
    "supprimée, les champs non envoyés d'une ligne gardent leur valeur ; sans la liste, "
    "aucune ligne ne change. Les erreurs sont nommées par la position de la ligne dans la "
    "liste envoyée (« rows.2.amount »). / The section's rows, each with its id (null for a "
    "new row). A change sends the whole list: an existing row missing from it is deleted; "
    "a row's fields not sent keep their value; without the list, no row changes. Errors "
    "are named by the row's position in the list sent (rows.2.amount)."
)
MONEY_HELP = _(
    "Montant en euros, en texte décimal avec un point (« 12500.50 »), jamais en nombre "
    "flottant. / Amount in euros as a decimal string (12500.50), never a float."
)


def money(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("help_text", MONEY_HELP)
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs
    )


class RowSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text=_(
            "Identifiant de la ligne existante, null pour une nouvelle. / The existing row's "
            "id, null for a new one."
        ),
    )


class WorkPackageRowSerializer(RowSerializer):
    number = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    lead_partner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_(
            "Numéro du partenaire responsable dans le dossier. / The lead partner's number "
            "in the dossier."
        ),
    )
    start_month = serializers.IntegerField(required=False, allow_null=True)
    end_month = serializers.IntegerField(required=False, allow_null=True)


class ActivityRowSerializer(RowSerializer):
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    start_month = serializers.IntegerField(required=False, allow_null=True)
    end_month = serializers.IntegerField(required=False, allow_null=True)


class DeliverableRowSerializer(RowSerializer):
    title = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    due_month = serializers.IntegerField(required=False, allow_null=True)


class IndicatorRowSerializer(RowSerializer):
    code = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    target_value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Valeur cible, en texte décimal. / Target value, as a decimal string."),
    )


class BudgetLineRowSerializer(RowSerializer):
    cost_category = serializers.CharField(required=False, allow_blank=True)
    year = serializers.IntegerField(required=False, allow_null=True)
    work_package = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("Numéro du module (facultatif). / The work package's number (optional)."),
    )
    description = serializers.CharField(required=False, allow_blank=True)
    amount = money(required=False, allow_null=True)


class CofinancingRowSerializer(RowSerializer):
    source = serializers.CharField(required=False, allow_blank=True)
    funder = serializers.CharField(required=False, allow_blank=True)
    amount = money(required=False, allow_null=True)
    is_secured = serializers.BooleanField(required=False)


class WorkPackagesSectionSerializer(SectionSerializer):
    rows = WorkPackageRowSerializer(many=True, required=False, help_text=ROWS_HELP)


class WorkPackageSectionSerializer(SectionSerializer):
    activities = ActivityRowSerializer(many=True, required=False, help_text=ROWS_HELP)
    deliverables = DeliverableRowSerializer(many=True, required=False, help_text=ROWS_HELP)


class IndicatorsSectionSerializer(SectionSerializer):
    rows = IndicatorRowSerializer(many=True, required=False, help_text=ROWS_HELP)


class BudgetSectionSerializer(SectionSerializer):
    rows = BudgetLineRowSerializer(many=True, required=False, help_text=ROWS_HELP)


class CofinancingSectionSerializer(SectionSerializer):
    rows = CofinancingRowSerializer(many=True, required=False, help_text=ROWS_HELP)


class LumpSumSectionSerializer(SectionSerializer):
    lump_sum = money(
        required=False,
        allow_null=True,
        help_text=_(
            "Montant forfaitaire demandé, l'un de ceux de l'appel, en texte décimal. / The "
            "lump sum asked for, one of the call's, as a decimal string."
        ),
    )


class PartnerSectionSerializer(SectionSerializer):
    contact_name = serializers.CharField(required=False, allow_blank=True)
    contact_email = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)


# --- invitations --------------------------------------------------------------------------


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.CharField(
        help_text=_("Adresse e-mail de la personne à inviter. / E-mail address of the invitee.")
    )
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "Message personnel joint à l'e-mail (2 000 caractères au plus). / Personal "
            "message in the e-mail (2,000 characters at most)."
        ),
    )


class InvitationSerializer(serializers.Serializer):
    """An invitation sent: its link goes only to the invited address, never to the API."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = choice(PartnerRole.choices)
    status = choice(InvitationStatus.choices)
    message = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


# --- attachments --------------------------------------------------------------------------


class AttachmentCreateSerializer(serializers.Serializer):
    document_type = serializers.CharField(
        help_text=_(
            "Code du type de pièce (voyez les types de l'appel). / Code of the document type."
        )
    )
    partner = serializers.IntegerField(
        required=False,
        help_text=_(
            "Numéro du partenaire dans le dossier, pour les pièces que chaque partenaire "
            "fournit. / The partner's number in the dossier, for per-partner documents."
        ),
    )
    file = serializers.FileField(
        help_text=_(
            "Le fichier : son type est lu dans son contenu, son nom n'est jamais repris tel "
            "quel. / The file: its type is read from its content; its name is never trusted."
        )
    )


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    document_type = serializers.CharField(source="document_type.code", read_only=True)
    partner = serializers.IntegerField(source="partner.number", read_only=True, allow_null=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)


# --- eligibility --------------------------------------------------------------------------


class EligibilityCheckResultSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = choice(Status.choices)
    status_label = serializers.CharField(read_only=True)
    blocking = serializers.BooleanField(
        read_only=True, help_text=_("La règle bloque le dépôt. / The rule blocks submission.")
    )
    blocks_submission = serializers.BooleanField(
        read_only=True,
        help_text=_("Non remplie et bloquante. / Not met and blocking."),
    )
    message = serializers.CharField(
        read_only=True,
        help_text=_(
            "Le verdict avec ses chiffres, tel que la liste de contrôle le montre. / The "
            "verdict with its figures, as the checklist shows it."
        ),
    )
    explanation = serializers.CharField(
        read_only=True,
        help_text=_("La règle en langage clair. / The rule in plain language."),
    )
    section = serializers.CharField(
        read_only=True,
        help_text=_("La section qui la corrige. / The section that fixes it."),
    )
    section_label = serializers.CharField(read_only=True)


class EligibilityCheckSerializer(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    eligible = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "Aucun critère bloquant n'échoue : le dossier peut être déposé. / No blocking "
            "rule fails: the dossier may be submitted."
        ),
    )
    verdict = choice(Status.choices)
    summary = serializers.CharField(read_only=True)
    results = EligibilityCheckResultSerializer(many=True, read_only=True)


# --- submission ---------------------------------------------------------------------------


class SubmitSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text=_(
            "Certifie l'exactitude des informations et l'accord de chaque partenaire (doit "
            "valoir true). / Certifies the information and each partner's agreement (must "
            "be true)."
        )
    )
