from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from exercises.models import Exercise
from exercises.services.preparation import exercise_kit


class ExerciseSerializer(serializers.ModelSerializer):
    establishment_name = serializers.CharField(source="establishment.name", read_only=True)
    kit = serializers.CharField(source="kit_version.kit.slug", read_only=True)
    kit_version = serializers.CharField(source="kit_version.version", read_only=True)
    level = serializers.CharField(source="kit_version.kit.level", read_only=True)

    class Meta:
        model = Exercise
        fields = ["id", "title", "establishment", "establishment_name", "kit", "kit_version", "level", "contexts",
                  "scheduled_start", "duration_minutes", "place", "provider", "status"]


class StimulusSerializer(serializers.Serializer):
    id = serializers.CharField()
    order = serializers.IntegerField()
    phase = serializers.CharField()
    offset = serializers.CharField()
    story_time = serializers.CharField()
    sender = serializers.CharField()
    recipients = serializers.ListField(child=serializers.CharField())
    channel = serializers.CharField()
    title = serializers.CharField()
    content = serializers.CharField()
    script = serializers.CharField(required=False)
    expected_reactions = serializers.ListField(child=serializers.CharField())
    criteria = serializers.ListField(child=serializers.CharField())
    animator_notes = serializers.CharField(allow_blank=True)
    hints = serializers.ListField(child=serializers.CharField())
    optional = serializers.BooleanField()
    contingency = serializers.BooleanField()
    noise = serializers.BooleanField()
    depends_on = serializers.ListField(child=serializers.CharField())
    pressure = serializers.IntegerField()


class ExerciseViewSet(viewsets.ReadOnlyModelViewSet):
    """Exercises visible to the caller (their structures' and those they take part in)."""

    serializer_class = ExerciseSerializer

    def get_queryset(self):
        return access.restrict(self.request.user, Exercise.objects.select_related(
            "establishment", "kit_version__kit")).order_by("-scheduled_start")

    @extend_schema(responses=StimulusSerializer(many=True))
    @action(detail=True)
    def chronogramme(self, request, pk=None, format=None):  # noqa: A002 - DRF passes the suffix as `format`
        """The exercise's stimuli: animation team only until the end of the exercise (404 otherwise)."""
        exercise = self.get_object()
        if not access.can_read_animator_kit(request.user, exercise):
            raise Http404
        return Response(StimulusSerializer(exercise_kit(exercise).stimuli, many=True).data)
