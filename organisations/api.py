from rest_framework import serializers, viewsets

from accounts import access
from organisations.models import Establishment, Ght
from organisations.services.directory import DirectoryFilters, search


class EstablishmentSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="category.label", read_only=True, default="")
    contexts = serializers.ListField(source="context_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Establishment
        fields = ["finess", "legal_entity", "name", "category", "category_label", "sector", "status", "contexts",
                  "region", "department", "ght", "ght_is_demo", "address", "postal_code", "city", "latitude",
                  "longitude"]


class EstablishmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Establishments of the caller's scope. Filters: q, region, department, category, ght, sector."""

    serializer_class = EstablishmentSerializer
    lookup_field = "finess"

    def get_queryset(self):
        return search(self.request.user, DirectoryFilters.from_params(self.request.query_params))


class GhtSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ght
        fields = ["code", "short_name", "name", "region"]


class GhtViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GhtSerializer
    lookup_field = "code"

    def get_queryset(self):
        return access.visible_ghts(self.request.user).order_by("short_name")
