from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from retex.models import Action
from retex.services import plan


class ActionSerializer(serializers.ModelSerializer):
    establishment_name = serializers.CharField(source="establishment.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "establishment", "establishment_name", "exercise", "title", "description", "criteria",
                  "theme", "priority", "owner", "due_date", "status", "overdue", "evidence_expected", "done_at",
                  "updated_at"]

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(timezone.localdate())


@extend_schema(parameters=[
    OpenApiParameter("etablissement", str, description="FINESS de l'établissement"),
    OpenApiParameter("retard", bool, description="seulement les actions ouvertes dont l'échéance est passée")])
class ActionViewSet(viewsets.ReadOnlyModelViewSet):
    """Improvement-plan actions visible to the caller (their establishments, GHT, region, or all for the nation)."""

    serializer_class = ActionSerializer

    def get_queryset(self):
        actions = plan.visible_actions(self.request.user).order_by("due_date", "pk")
        params = self.request.query_params
        if params.get("etablissement"):
            actions = actions.filter(establishment_id=params["etablissement"])
        if params.get("retard") in ("1", "true"):
            actions = actions.filter(plan.overdue_q())
        return actions
