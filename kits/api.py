from rest_framework import serializers, viewsets

from kits.services.library import published_kits


class KitSerializer(serializers.Serializer):
    """Public parts of a kit only: never the animator kit nor the chronogramme."""

    slug = serializers.CharField()
    title = serializers.CharField()
    level = serializers.CharField()
    contexts = serializers.ListField(child=serializers.CharField())
    version = serializers.CharField(source="current.version")
    duration_minutes = serializers.IntegerField(source="current.duration_minutes")
    summary = serializers.CharField(source="current.summary")
    objectives = serializers.JSONField(source="current.objectives")
    cell_roles = serializers.JSONField(source="current.cell_roles")
    grid = serializers.CharField(source="current.grid.slug")
    participant = serializers.JSONField(source="current.participant")


class KitViewSet(viewsets.ReadOnlyModelViewSet):
    """The kit library (public parts)."""

    serializer_class = KitSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return published_kits().order_by("slug")
