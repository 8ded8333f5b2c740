from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("core.urls")),
    path("compte/", include("accounts.urls")),
    path("annuaire/", include("organisations.urls")),
    path("maturite/", include("maturity.urls")),
    path("kits/", include("kits.urls")),
    path("exercices/", include("exercises.urls")),
    path("exercices/", include("live.urls")),
    path("", include("retex.urls")),
    path("", include("steering.urls")),
    path("continuite/", include("continuity.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler403 = "core.views.errors.forbidden"
handler404 = "core.views.errors.not_found"
handler500 = "core.views.errors.server_error"
