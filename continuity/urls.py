from django.urls import path

from continuity import views

app_name = "continuity"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("lexique/", views.lexicon, name="lexicon"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/cadrage/", views.framing, name="framing"),
    path("<int:pk>/parcours/", views.guided_path, name="path"),
    path("<int:pk>/bia/", views.bia_overview, name="bia"),
    path("<int:pk>/bia/processus/nouveau/", views.process_edit, name="process_new"),
    path("<int:pk>/bia/processus/<int:process_pk>/", views.process_edit, name="process"),
    path("<int:pk>/bia/ressources/nouvelle/", views.resource_edit, name="resource_new"),
    path("<int:pk>/bia/ressources/<int:resource_pk>/", views.resource_edit, name="resource"),
    path("<int:pk>/analyse/", views.analysis, name="analysis"),
    path("<int:pk>/annuaire/", views.contacts, name="contacts"),
    path("<int:pk>/maintien/", views.maintenance_page, name="maintenance"),
    path("<int:pk>/evaluation/", views.evaluation_new, name="evaluation"),
    path("<int:pk>/pcra.<str:fmt>", views.document, name="document"),
]
