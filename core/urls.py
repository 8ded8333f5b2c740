from django.urls import path

from core.views import health, home

app_name = "core"
urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
]
