from django.urls import path

from kits import views

app_name = "kits"
urlpatterns = [
    path("", views.library, name="library"),
    path("grilles/<slug:slug>/", views.grid, name="grid"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/kit-participant.pdf", views.participant_pdf, name="participant_pdf"),
    path("<slug:slug>/kit-animateur/", views.animator, name="animator"),
    path("<slug:slug>/chronogramme.xlsx", views.chronogramme_xlsx, name="chronogramme_xlsx"),
]
