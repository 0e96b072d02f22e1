"""What a client writes to a dossier through the API: create a draft, edit its sections,
invite a partner, join a document, ask for the eligibility checklist, submit.

Each action does what the page does, through the page's own pieces: who may act is
``applications.permissions.dossier_access`` (a dossier the account does not see is a 404),
the data is checked by the page's Django form (so the messages are the page's, in the
request's language), and the write is the page's service. For the sections, the page's
section view itself is used as the adapter (its forms, its ``can_edit``, its version key,
its ``write``), with JSON in place of the posted form.

Refusals, in the one error shape: 401 without credentials; 403 when the account sees the
dossier but its role does not allow the action (a partner's member on the lead's part);
409 when the dossier's state forbids it (no longer a draft, a stale section version, a
state changed by someone else meanwhile, a call not open); 400 for the data, with each
field's messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from applications import sections as dossier_sections
from applications import services
from applications.choices import ApplicationStatus
from applications.models import Application
from applications.permissions import EDITABLE_STATUSES, dossier_access
from applications.uploads import attachment_add, refusal_for, uploadable_types
from applications.views.attachments import AttachmentsView
from applications.views.base import SectionView
from applications.views.consortium import InviteView
from applications.views.lifecycle import StartForm, SubmitForm
from applications.views.sections import ContextView, IdentificationView, PrioritiesView
from applications.workflow import TransitionError
from calls.eligibility import check_application
from calls.models import EligibilityRule
from partners import services as partner_services
from partners.forms import PartnerInvitationForm
from partners.permissions import organisations_of
from portal.api.conditional import etag_matches, representation_etag
from portal.api.exceptions import NON_FIELD_ERRORS, Conflict
from portal.api.serializers import ErrorSerializer

from . import section_lists
from . import serializers as read_serializers
from . import write_serializers as w

# --- refusals ------------------------------------------------------------------------------


class SubmissionRefusedError(APIException):
    """The dossier cannot be submitted as it stands (a blocking rule, the deadline): 400,
    with the reasons."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Le dossier ne peut pas être déposé.")
    default_code = "submission_refused"


NO_ORGANISATION = _(
    "Un dossier est toujours déposé au nom d'une organisation (association, collectivité, "
    "entreprise, établissement…) : une personne seule ne peut pas déposer de dossier. Vous "
    "n'êtes encore membre d'aucune organisation."
)
CONSORTIUM_NOT_EDITABLE = _(
    "Ce dossier est à l'état « %(status)s » : son partenariat ne se modifie plus."
)
NOT_SUBMITTABLE = _("Ce dossier est à l'état « %(status)s » : il ne peut pas être déposé.")
LEAD_ONLY_SUBMIT = _("Seuls les membres du chef de file peuvent déposer ce dossier.")
UNKNOWN_SECTION = _("Section inconnue : « %(key)s ». Les sections sont : %(keys)s.")


def _refuse(message, *, state: bool):
    """409 when the dossier's state forbids the action, 403 when the account's role does."""
    if state:
        raise Conflict(str(message), code="invalid_state")
    raise PermissionDenied(str(message))


# --- reading the request -------------------------------------------------------------------


def _body(request) -> Mapping:
    data = request.data
    if not isinstance(data, Mapping):
        message = drf_serializers.Serializer.default_error_messages["invalid"]
        raise ValidationError({NON_FIELD_ERRORS: [message.format(datatype=type(data).__name__)]})
    return data


def _field(serializer_class, name: str, body: Mapping):
    """One value checked by a serializer's field (its messages under its name)."""
    field = serializer_class().fields[name]
    try:
        return field.run_validation(body.get(name, empty))
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None


def _scalar(value) -> str:
    """A value as a posted form carries it: text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def _many(body: Mapping, name: str) -> list[str]:
    if isinstance(body, QueryDict):
        return body.getlist(name)
    value = body.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [_scalar(item) for item in value]
    return [_scalar(value)]


def _form_errors(forms) -> dict[str, list[str]]:
    """The forms' errors under the API's names (``non_field_errors`` for the form's own),
    in the request's language."""
    errors: dict[str, list[str]] = {}
    for form in forms:
        for name, messages in form.errors.items():
            key = NON_FIELD_ERRORS if name == "__all__" else name
            errors.setdefault(key, []).extend(str(message) for message in messages)
    return errors


def _conditional(request, data) -> Response:
    """A read with its ETag, and a 304 to a matching ``If-None-Match``."""
    etag = representation_etag(data)
    if etag_matches(etag, request.headers.get("If-None-Match", "")):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data)
    response["ETag"] = etag
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _page(view_class, request, access, **kwargs):
    """The page's view for ``access``'s dossier, set up as its ``dispatch`` would be, to use
    its forms, rules and writes without going through HTTP."""
    view = view_class()
    view.setup(request._request, reference=access.application.reference, **kwargs)
    access.section = view.section
    view.access = access
    view.application = access.application
    return view


# --- sections ------------------------------------------------------------------------------

META_FIELDS = ("section", "version", "editable")


@dataclass(frozen=True)
class ApiSection:
    """A section the API edits: the page that edits it, the serializer that shows it, and
    the relations named by their codes in the API (by their ids on the page)."""

    page: type[SectionView]
    serializer: type[w.SectionSerializer]
    codes: tuple[str, ...] = ()


SECTIONS = {
    dossier_sections.IDENTIFICATION: ApiSection(
        IdentificationView, w.IdentificationSectionSerializer, ("measure",)
    ),
    dossier_sections.CONTEXT: ApiSection(ContextView, w.ContextSectionSerializer),
    dossier_sections.PRIORITIES: ApiSection(
        PrioritiesView, w.PrioritiesSectionSerializer, ("priorities", "target_groups")
    ),
}


def _section_fields(spec: ApiSection) -> dict:
    return {
        name: field for name, field in spec.serializer().fields.items() if name not in META_FIELDS
    }


def _section_data(spec: ApiSection, view: SectionView, application: Application) -> dict:
    """The section as the API shows it: its fields (relations by code), its version and
    whether the account may change it now."""
    values = {}
    for name in _section_fields(spec):
        model_field = Application._meta.get_field(name)
        if model_field.many_to_many:
            values[name] = list(
                getattr(application, name).order_by("code").values_list("code", flat=True)
            )
        elif model_field.is_relation:
            related = getattr(application, name)
            values[name] = related.code if related is not None else None
        else:
            values[name] = getattr(application, name)
    values.update(
        section=view.section,
        version=services.section_version(application=application, key=view.version_key()),
        editable=view.can_edit(),
    )
    return spec.serializer(values).data


SECTION_KEY = OpenApiParameter(
    "key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=[*SECTIONS, *section_lists.SECTIONS],
    description=_(
        "La section : identification, context (contexte et objectifs), priorities "
        "(priorités et publics cibles), work_packages (la liste des modules), indicators "
        "(indicateurs), lump_sum (montant forfaitaire, appels au forfait). / The section."
    ),
)
SECTION_SCHEMA = PolymorphicProxySerializer(
    component_name="Section",
    serializers=[
        *(spec.serializer for spec in SECTIONS.values()),
        *(spec.serializer for spec in section_lists.SECTIONS.values()),
    ],
    resource_type_field_name=None,
)
NUMBERED_SECTION_KEY = OpenApiParameter(
    "key",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(section_lists.NUMBERED_SECTIONS),
    description=_(
        "La section : work_package (activités et livrables du module n°), budget (lignes "
        "de budget du partenaire n°, appels aux coûts réels), cofinancing (plan de "
        "financement du partenaire n°), partner (contact du partenaire n°). / The section."
    ),
)
NUMBER = OpenApiParameter(
    "number",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description=_(
        "Numéro du module (work_package) ou du partenaire dans le dossier. / The work "
        "package's or the partner's number in the dossier."
    ),
)
NUMBERED_SECTION_SCHEMA = PolymorphicProxySerializer(
    component_name="NumberedSection",
    serializers=[spec.serializer for spec in section_lists.NUMBERED_SECTIONS.values()],
    resource_type_field_name=None,
)


def _error(description) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


SECTION_409 = _error(
    _(
        "Version dépassée, ou le dossier ne se modifie plus. / Stale version, or the dossier "
        "can no longer be changed."
    )
)
STATE_409 = _error(
    _(
        "L'état du dossier ne le permet pas (il n'est plus un brouillon, ou il a changé "
        "entre-temps) : le message dit pourquoi. / The dossier's state does not allow it."
    )
)


class ApplicationWritesMixin:
    """The write actions of ``ApplicationViewSet``: each through the pages' services."""

    def _detail_data(self, application: Application) -> dict:
        fresh = self.get_queryset().get(pk=application.pk)
        return read_serializers.ApplicationDetailSerializer(
            fresh, context=self.get_serializer_context()
        ).data

    # --- create a draft ---------------------------------------------------------------

    @extend_schema(
        summary=_("Créer un dossier (brouillon) / Create a draft dossier"),
        description=_(
            "Crée un brouillon sur un appel ouvert (à l'heure du serveur, Europe/Paris), au "
            "nom d'une organisation dont le compte est membre, qui en devient le chef de "
            "file ; comme la page « Déposer un dossier ». 409 si l'appel n'est pas ouvert, "
            "403 si le compte n'est membre d'aucune organisation, 400 pour une organisation "
            "qui n'est pas la sienne. / Creates a draft on a call open by the server's clock, "
            "for an organisation the account belongs to, which becomes its lead partner."
        ),
        request=w.ApplicationCreateSerializer,
        responses={
            201: read_serializers.ApplicationDetailSerializer,
            409: _error(_("L'appel n'est pas ouvert. / The call is not open.")),
        },
        examples=[
            OpenApiExample(
                "Demande / Request",
                value={"call": "AAP-2026-001", "organisation": 12, "title": "Passerelles"},
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        body = _body(request)
        call = _field(w.ApplicationCreateSerializer, "call", body)
        refusal = services.call_window_refusal(call=call, now=timezone.now())
        if refusal:
            raise Conflict(refusal, code="call_not_open")
        organisations = organisations_of(request.user).order_by("legal_name")
        if not organisations.exists():
            raise PermissionDenied(str(NO_ORGANISATION))
        form = StartForm(
            {
                "organisation": _scalar(body.get("organisation")),
                "title": _scalar(body.get("title")),
            },
            organisations=organisations,
        )
        if not form.is_valid():
            raise ValidationError(_form_errors([form]))
        try:
            application = services.application_create(
                call=call,
                organisation=form.cleaned_data["organisation"],
                actor=request.user,
                title=form.cleaned_data["title"],
            )
        except services.ServiceRefused as refused:
            raise Conflict(refused.message, code="refused") from None
        location = reverse("api:application-detail", args=[application.reference])
        return Response(
            self._detail_data(application),
            status=status.HTTP_201_CREATED,
            headers={"Location": request.build_absolute_uri(location)},
        )

    # --- sections ---------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary=_("Lire une section / Read a section"),
        description=_(
            "Les champs d'une section du dossier, sa version et si le compte peut la "
            "modifier. / A section's fields, its version and whether the account may change it."
        ),
        parameters=[SECTION_KEY],
        responses={200: SECTION_SCHEMA},
    )
    @extend_schema(
        methods=["PATCH"],
        summary=_("Modifier une section / Change a section"),
        description=_(
            "Modifie les champs envoyés (les autres gardent leur valeur), avec la version lue : "
            "les règles et les messages sont ceux du formulaire de la page. Une version "
            "dépassée (quelqu'un a enregistré entre-temps) est un 409 et rien n'est écrit. "
            "Les sections communes sont modifiées par les membres du chef de file, sur un "
            "brouillon (ou une section rouverte par une demande de compléments). Pour les "
            "sections en listes (work_packages, indicators), une liste « rows » envoyée "
            "remplace la liste : une ligne à « id » null est ajoutée, une ligne existante "
            "absente est supprimée. / Changes the fields sent, with the version read: the "
            "page's form rules and messages. A stale version is a 409 and nothing is "
            "written. For the list sections (work_packages, indicators), a rows list sent "
            "replaces the list: a row with a null id is added, an existing row missing from "
            "it is deleted."
        ),
        parameters=[SECTION_KEY],
        request=SECTION_SCHEMA,
        responses={200: SECTION_SCHEMA, 409: SECTION_409},
        examples=[
            OpenApiExample(
                "Demande / Request",
                value={"version": 3, "acronym": "PASSERELLES", "start_date": "2026-09-01"},
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"sections/(?P<key>[a-z_]+)",
        url_name="section",
    )
    def section(self, request, reference=None, key=None):
        if key in section_lists.SECTIONS:
            return self._list_section(request, reference, key, None)
        access = dossier_access(request.user, reference, section=key)
        spec = SECTIONS.get(key)
        if spec is None:
            keys = ", ".join([*SECTIONS, *section_lists.SECTIONS])
            raise NotFound(str(UNKNOWN_SECTION % {"key": key, "keys": keys}))
        view = _page(spec.page, request, access)
        application = access.application
        if request.method == "GET":
            return _conditional(request, _section_data(spec, view, application))

        if not view.can_edit():
            _refuse(view.read_only_reason(), state=not access.is_editable)
        body = _body(request)
        version = _field(w.SectionSerializer, "version", body)
        current = _section_data(spec, view, application)
        data = {}
        for name, field in _section_fields(spec).items():
            if isinstance(field, drf_serializers.ListField):
                data[name] = _many(body, name) if name in body else current[name]
            else:
                data[name] = _scalar(body[name] if name in body else current[name])
        forms = view.build_forms(data)
        for form in forms.values():
            for name in spec.codes:
                if name in form.fields:
                    form.fields[name].to_field_name = "code"
        if not all(form.is_valid() for form in forms.values()):
            raise ValidationError(_form_errors(forms.values()))
        try:
            services.section_save(
                application=application,
                key=view.version_key(),
                version=version,
                actor=request.user,
                write=lambda: view.write(forms),
                section=view.section,
            )
        except services.SectionConflict as conflict:
            raise Conflict(conflict.message) from None
        except services.ServiceRefused as refused:
            raise Conflict(refused.message, code="invalid_state") from None
        saved = Application.objects.select_related("measure", "call").get(pk=application.pk)
        return Response(_section_data(spec, view, saved))

    @extend_schema(
        methods=["GET"],
        operation_id="applications_numbered_sections_retrieve",
        summary=_("Lire une section d'un module ou d'un partenaire / Read a numbered section"),
        description=_(
            "Les lignes d'une section propre à un module (ses activités et livrables) ou à "
            "un partenaire (ses lignes de budget, son plan de financement, son contact), sa "
            "version et si le compte peut la modifier. / The rows of a work package's or a "
            "partner's section, its version and whether the account may change it."
        ),
        parameters=[NUMBERED_SECTION_KEY, NUMBER],
        responses={200: NUMBERED_SECTION_SCHEMA},
    )
    @extend_schema(
        methods=["PATCH"],
        operation_id="applications_numbered_sections_partial_update",
        summary=_(
            "Modifier une section d'un module ou d'un partenaire / Change a numbered section"
        ),
        description=_(
            "Comme la page de la section, avec la version lue. Une liste envoyée remplace "
            "la liste : chaque ligne avec son « id » est modifiée (ses champs non envoyés "
            "gardent leur valeur), une ligne à « id » null est ajoutée, une ligne existante "
            "absente de la liste est supprimée ; une liste non envoyée ne change pas. Les "
            "erreurs d'une ligne sont nommées par sa position dans la liste envoyée "
            "(« rows.2.amount »). Les lignes de budget, le plan de financement et le contact "
            "d'un partenaire sont modifiés par les membres de ce partenaire seulement ; les "
            "activités et livrables d'un module par le chef de file et le partenaire "
            "responsable du module. Les montants sont des textes décimaux (« 12500.50 »). / "
            "As the section's page, with the version read. A list sent replaces the list: "
            "each row with its id is changed (its fields not sent keep their value), a row "
            "with a null id is added, an existing row missing from the list is deleted; a "
            "list not sent does not change. A row's errors are named by its position in the "
            "list sent (rows.2.amount). A partner's budget lines, financing plan and contact "
            "are changed by that partner's members only; a work package's activities and "
            "deliverables by the lead and the work package's lead partner. Amounts are "
            "decimal strings (12500.50)."
        ),
        parameters=[NUMBERED_SECTION_KEY, NUMBER],
        request=NUMBERED_SECTION_SCHEMA,
        responses={200: NUMBERED_SECTION_SCHEMA, 409: SECTION_409},
        examples=[
            OpenApiExample(
                "Budget d'un partenaire / A partner's budget",
                value={
                    "version": 4,
                    "rows": [
                        {
                            "id": 31,
                            "cost_category": "staff",
                            "year": 2027,
                            "work_package": 1,
                            "description": "Coordinatrice, mi-temps",
                            "amount": "24000.00",
                        },
                        {
                            "id": None,
                            "cost_category": "travel",
                            "year": 2027,
                            "work_package": None,
                            "description": "Réunions de partenaires",
                            "amount": "3500.50",
                        },
                    ],
                },
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"sections/(?P<key>[a-z_]+)/(?P<number>[0-9]+)",
        url_name="numbered-section",
    )
    def numbered_section(self, request, reference=None, key=None, number=None):
        return self._list_section(request, reference, key, int(number))

    def _list_section(self, request, reference, key: str, number: int | None):
        """A section edited on its page as lists (formsets), or as one form on a partner or
        on the lump sum: the page's view checks, decides and writes."""
        specs = section_lists.SECTIONS if number is None else section_lists.NUMBERED_SECTIONS
        page_section = section_lists.page_section(key)
        access = dossier_access(request.user, reference, section=page_section)
        spec = specs.get(key)
        if spec is None:
            raise NotFound(
                str(
                    UNKNOWN_SECTION
                    % {"key": key, "keys": ", ".join(section_lists.NUMBERED_SECTIONS)}
                )
            )
        kwargs = {} if number is None else {"number": number}
        shown = section_lists.section_key(key, number)
        view = _page(spec.page, request, access, **kwargs)
        if request.method == "GET":
            return _conditional(request, section_lists.section_data(spec, view, shown))

        if not view.can_edit():
            _refuse(view.read_only_reason(), state=not access.is_editable)
        body = _body(request)
        version = _field(w.SectionSerializer, "version", body)
        forms = section_lists.bound_forms(spec, view, body)
        try:
            services.section_save(
                application=access.application,
                key=view.version_key(),
                version=version,
                actor=request.user,
                write=lambda: view.write(forms),
                section=view.section,
            )
        except services.SectionConflict as conflict:
            raise Conflict(conflict.message) from None
        except services.ServiceRefused as refused:
            raise Conflict(refused.message, code="invalid_state") from None
        fresh = dossier_access(request.user, reference, section=page_section)
        view = _page(spec.page, request, fresh, **kwargs)
        return Response(section_lists.section_data(spec, view, shown))

    # --- invite a partner -------------------------------------------------------------

    @extend_schema(
        summary=_("Inviter un partenaire / Invite a partner"),
        description=_(
            "Envoie par e-mail une invitation à rejoindre le partenariat, valable 14 jours, "
            "comme la page Partenariat : par les membres du chef de file, sur un brouillon. "
            "Le lien n'est envoyé qu'à l'adresse invitée. / E-mails an invitation into the "
            "consortium, valid 14 days, as the consortium page does: by the lead's members, "
            "on a draft. The link goes only to the invited address."
        ),
        request=w.InvitationCreateSerializer,
        responses={201: w.InvitationSerializer, 409: STATE_409},
    )
    @action(detail=True, methods=["post"], url_path="invitations", url_name="invitations")
    def invitations(self, request, reference=None):
        access = dossier_access(request.user, reference, section=dossier_sections.CONSORTIUM)
        view = _page(InviteView, request, access)
        if not access.can_manage_consortium:
            application = access.application
            if not access.is_editable or application.status not in EDITABLE_STATUSES:
                _refuse(
                    CONSORTIUM_NOT_EDITABLE % {"status": application.get_status_display()},
                    state=True,
                )
            _refuse(view.manage_refusal(), state=False)
        body = _body(request)
        form = PartnerInvitationForm(
            {"email": _scalar(body.get("email")), "message": _scalar(body.get("message"))}
        )
        if not form.is_valid():
            raise ValidationError(_form_errors([form]))
        try:
            invitation = partner_services.partner_invite(
                application=access.application,
                email=form.cleaned_data["email"],
                message=form.cleaned_data["message"],
                actor=request.user,
                site_url=request.build_absolute_uri("/"),
            )
        except partner_services.ServiceRefused as refused:
            # As the page: the refusal is said on the address.
            raise ValidationError({"email": [refused.message]}) from None
        return Response(w.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    # --- join a document --------------------------------------------------------------

    @extend_schema(
        summary=_("Joindre une pièce / Upload an attachment"),
        description=_(
            "Joint un fichier (multipart/form-data) comme la page Pièces jointes : le type "
            "est lu dans le contenu (PDF, PNG, JPEG, DOCX, XLSX, ODT, ODS), l'extension doit "
            "y correspondre, la taille est limitée par l'appel, le nom est nettoyé. Les pièces "
            "du dossier sont jointes par les membres du chef de file, celles d'un partenaire "
            "par ses membres. / Uploads a file as the attachments page does: type read from "
            "the content, size limited by the call, name cleaned."
        ),
        request={"multipart/form-data": w.AttachmentCreateSerializer},
        responses={201: w.AttachmentSerializer, 409: STATE_409},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        url_name="attachments",
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request, reference=None):
        access = dossier_access(request.user, reference, section=dossier_sections.ATTACHMENTS)
        view = _page(AttachmentsView, request, access)
        view.setup_page()
        if not uploadable_types(access, view.document_types):
            reason = view.read_only_reason()
            _refuse(reason or refusal_for(access, partner=None), state=bool(reason))
        body = _body(request)
        # The API names the type by its code and the partner by its number; the form, by
        # their ids. A value that names nothing is left for the form to refuse.
        code = _scalar(body.get("document_type"))
        by_code = {document_type.code: document_type for document_type in view.document_types}
        number = _scalar(body.get("partner"))
        by_number = {str(partner.number): partner for partner in access.partners}
        data = {
            "document_type": str(by_code[code].pk) if code in by_code else code and f"?{code}",
            "partner": (
                str(by_number[number].pk) if number in by_number else number and f"?{number}"
            ),
        }
        form = view.form(data, request.FILES)
        if not form.is_valid():
            raise ValidationError(_form_errors([form]))
        try:
            attachment = attachment_add(
                application=access.application,
                partner=form.cleaned_data.get("partner"),
                document_type=form.cleaned_data["document_type"],
                uploaded_file=form.cleaned_data["file"],
                actor=request.user,
            )
        except services.ServiceRefused as refused:
            raise ValidationError({NON_FIELD_ERRORS: [refused.message]}) from None
        return Response(w.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    # --- the eligibility checklist ----------------------------------------------------

    @extend_schema(
        summary=_("Vérifier l'éligibilité / Check eligibility"),
        description=_(
            "La liste de contrôle de la page, à l'heure du serveur : chaque règle de l'appel "
            "avec son verdict, son message chiffré, son explication en clair et la section "
            "qui la corrige, les critères non remplis d'abord. / The page's checklist, by the "
            "server's clock: each rule's verdict, message with figures, plain explanation "
            "and the section that fixes it, failures first."
        ),
        responses={200: w.EligibilityCheckSerializer},
    )
    @action(detail=True, methods=["get"], url_path="eligibility", url_name="eligibility")
    def eligibility(self, request, reference=None):
        access = dossier_access(request.user, reference)
        application = access.application
        outcome = check_application(application)
        items = dossier_sections.checklist_items(application, outcome)
        rules = {
            rule.pk: rule
            for rule in EligibilityRule.objects.filter(
                pk__in=[item["result"].rule_id for item in items]
            )
        }
        failures = len(outcome.blocking_failures)
        if failures:
            summary = ngettext(
                "%(counter)s critère bloquant n'est pas rempli : le dossier ne peut pas encore "
                "être déposé.",
                "%(counter)s critères bloquants ne sont pas remplis : le dossier ne peut pas "
                "encore être déposé.",
                failures,
            ) % {"counter": failures}
        else:
            summary = str(_("Tous les critères bloquants sont remplis."))
        results = []
        for item in items:
            result = item["result"]
            rule = rules.get(result.rule_id)
            results.append(
                {
                    "rule_id": result.rule_id,
                    "kind": result.kind,
                    "status": result.status,
                    "status_label": result.get_status_display(),
                    "blocking": result.blocking,
                    "blocks_submission": result.blocks_submission,
                    "message": result.message,
                    "explanation": rule.describe() if rule is not None else result.explanation,
                    "section": item["page"].key,
                    "section_label": str(item["page"].label),
                }
            )
        data = w.EligibilityCheckSerializer(
            {
                "reference": application.reference,
                "eligible": outcome.is_eligible,
                "verdict": outcome.verdict,
                "summary": summary,
                "results": results,
            }
        ).data
        return _conditional(request, data)

    # --- submit -----------------------------------------------------------------------

    @extend_schema(
        summary=_("Déposer le dossier / Submit the dossier"),
        description=_(
            "Dépose le dossier comme la page « Vérification et dépôt » : par les membres du "
            "chef de file, avec « confirm »: true. L'échéance est lue à l'heure du serveur ; "
            "un critère bloquant non rempli ou l'appel clos refusent le dépôt (400, avec les "
            "raisons) ; un dossier qui n'est plus un brouillon, ou dont l'état a changé "
            "entre-temps (dépôt concurrent), est un 409. Le dossier est figé avec son "
            "empreinte et l'accusé de réception part par e-mail. / Submits the dossier as the "
            "page does: by the lead's members with confirm: true. A failing blocking rule or "
            "a closed call is a 400 with the reasons; a state changed meanwhile is a 409."
        ),
        request=w.SubmitSerializer,
        responses={
            200: read_serializers.ApplicationDetailSerializer,
            409: STATE_409,
        },
    )
    @action(detail=True, methods=["post"], url_path="submit", url_name="submit")
    def submit(self, request, reference=None):
        access = dossier_access(request.user, reference, section=dossier_sections.SUBMISSION)
        application = access.application
        if not access.can_submit:
            if access.is_lead_member:
                _refuse(NOT_SUBMITTABLE % {"status": application.get_status_display()}, state=True)
            _refuse(LEAD_ONLY_SUBMIT, state=False)
        body = _body(request)
        form = SubmitForm({"confirm": body.get("confirm", "")})
        if not form.is_valid():
            raise ValidationError(_form_errors([form]))
        seen = application.status
        try:
            services.application_submit(application=application, actor=request.user)
        except services.SubmissionRefused as refused:
            now = Application.objects.values_list("status", flat=True).get(pk=application.pk)
            if now != seen or now not in (
                ApplicationStatus.DRAFT,
                ApplicationStatus.CLARIFICATION_REQUESTED,
            ):
                # Someone changed the dossier's state meanwhile (a concurrent submission).
                raise Conflict(" ".join(refused.reasons)) from None
            raise SubmissionRefusedError(" ".join(refused.reasons)) from None
        except TransitionError as error:
            raise Conflict(error.message) from None
        return Response(self._detail_data(application))
