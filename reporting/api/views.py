"""The public list of operations: the same selection and filters as the CSV file
(``reporting.exports``), read by anyone without an account."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError

from portal.api.viewsets import PublicReadOnlyViewSet
from reporting import exports

from . import filtersets, serializers

DESCRIPTION = _(
    "La liste publique des opérations (règlement (UE) 2021/1060, art. 49(3)) : chaque "
    "opération retenue, conventionnée, en cours ou clôturée, jamais un dossier non retenu. "
    "Les mêmes données et filtres que le fichier CSV des données ouvertes. / The public list "
    "of operations: every operation selected and beyond, never an application that was not "
    "selected; the same data and filters as the open-data CSV file."
)


@extend_schema_view(
    list=extend_schema(summary=_("Liste : opérations"), description=DESCRIPTION),
    retrieve=extend_schema(summary=_("Détail : opération"), description=DESCRIPTION),
)
class OperationViewSet(PublicReadOnlyViewSet):
    serializer_class = serializers.OperationSerializer
    filterset_class = filtersets.OperationFilterSet
    lookup_field = "reference"
    # Two queries whatever the number of rows (exports.public_operations): the operations
    # with call, programme, fund, measure, lead, version under review and decision; their
    # other beneficiaries. Plus the page's count, or none with a cursor.

    def get_queryset(self):
        return (
            exports.public_operations(self._operation_filters())
            # The codes that link an operation to its fund and programme, on the joins the
            # selection already makes.
            .annotate(
                fund_code=F("call__programme__fund__code"),
                programme_code=F("call__programme__code"),
            )
        )

    def _operation_filters(self) -> exports.OperationFilters:
        """The filters of the CSV file, read by its own function one at a time so that
        each refusal names its parameter. One query per fund or programme given."""
        query = self.request.query_params
        values, errors = {}, {}
        for name in ("fund", "programme", "country"):
            try:
                values[name] = getattr(exports.operation_filters({name: query.get(name)}), name)
            except exports.InvalidFilter as refusal:
                errors[name] = [refusal.message]
        if errors:
            raise ValidationError(errors)
        return exports.OperationFilters(**values)
