from rest_framework.routers import DefaultRouter

from maturity.api import AssessmentViewSet
from organisations.api import EstablishmentViewSet, GhtViewSet

router = DefaultRouter()
router.register("etablissements", EstablishmentViewSet, basename="establishment")
router.register("ght", GhtViewSet, basename="ght")
router.register("autoevaluations", AssessmentViewSet, basename="assessment")
urlpatterns = router.urls
