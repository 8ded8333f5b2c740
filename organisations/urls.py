from django.urls import path

from organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.establishment_list, name="list"),
    path("<str:finess>/", views.establishment_detail, name="detail"),
    path("<str:finess>/ght/", views.set_ght, name="set_ght"),
]
