from rest_framework.routers import DefaultRouter

from continuity.api import ProjectViewSet
from exercises.api import ExerciseViewSet
from kits.api import KitViewSet
from maturity.api import AssessmentViewSet
from organisations.api import EstablishmentViewSet, GhtViewSet
from retex.api import ActionViewSet

router = DefaultRouter()
router.register("etablissements", EstablishmentViewSet, basename="establishment")
router.register("ght", GhtViewSet, basename="ght")
router.register("autoevaluations", AssessmentViewSet, basename="assessment")
router.register("kits", KitViewSet, basename="kit")
router.register("exercices", ExerciseViewSet, basename="exercise")
router.register("plan-amelioration", ActionViewSet, basename="improvement-action")
router.register("pcra", ProjectViewSet, basename="pcra")
urlpatterns = router.urls
