from django.urls import path

from maturity import views

app_name = "maturity"
urlpatterns = [
    path("", views.my_assessments, name="my_assessments"),
    path("commencer/<str:finess>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/remplir/", views.edit, name="edit"),
    path("perimetre/", views.overview, name="overview"),
]
