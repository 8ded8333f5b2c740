from rest_framework import serializers, viewsets

from accounts import access
from maturity.models import Assessment


class AssessmentSerializer(serializers.ModelSerializer):
    establishment_name = serializers.CharField(source="establishment.name", read_only=True)
    grid = serializers.CharField(source="grid.slug", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "establishment", "establishment_name", "grid", "year", "status", "percent", "level",
                  "theme_scores", "gates_applied", "submitted_at"]


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Self-assessments visible in the caller's scope."""

    serializer_class = AssessmentSerializer

    def get_queryset(self):
        return access.restrict(self.request.user, Assessment.objects.select_related("establishment", "grid")).order_by(
            "-year", "establishment_id")
