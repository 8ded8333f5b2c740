from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from accounts import access
from continuity.models import Project
from continuity.services import bia


class ProjectSerializer(serializers.ModelSerializer):
    establishment_name = serializers.CharField(source="establishment.name", read_only=True)

    class Meta:
        model = Project
        fields = ["id", "establishment", "establishment_name", "scope_kind", "title", "lead_name", "next_review_on",
                  "updated_at"]


class ProjectDetailSerializer(ProjectSerializer):
    """With the analysis of the BIA: coverage against the CaRE criteria, gaps, recovery order and cycles."""

    analysis = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "analysis"]

    @extend_schema_field(serializers.DictField())
    def get_analysis(self, project: Project) -> dict:
        result = bia.analyse(project)
        coverage = result.coverage
        return {
            "coverage": {"covered_share": coverage.covered_share, "target": coverage.target, "met": coverage.met,
                         "requirements": [{"label": r.label, "met": r.met, "detail": r.detail}
                                          for r in coverage.requirements]},
            "gaps": [{"process": g.process, "kind": g.kind, "resource": g.resource, "required_hours": g.required_hours,
                      "capability_hours": g.capability_hours, "cumulative": g.cumulative} for g in result.gaps],
            "recovery_order": [{"rank": s.rank, "resource": s.code, "start_hours": s.start_hours,
                                "ready_hours": s.ready_hours, "serves": list(s.serves)} for s in result.plan.steps],
            "cycles": result.plan.cycles,
            "resumptions": [{"process": r.process, "resume_hours": r.resume_hours, "dmia_hours": r.dmia_hours,
                             "degraded_hours": r.degraded_hours} for r in result.plan.resumptions.values()],
        }


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """PCRA projects visible to the caller; the detail carries the BIA analysis."""

    def get_queryset(self):
        return access.restrict(self.request.user, Project.objects.select_related("establishment")).order_by("pk")

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer
