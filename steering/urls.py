from django.urls import path

from steering import views

app_name = "steering"
urlpatterns = [
    path("pilotage/", views.obligation_view, name="obligation"),
    path("pilotage/maturite/", views.maturity_view, name="maturity"),
    path("pilotage/evaluation/", views.evaluation_view, name="evaluation"),
    path("pilotage/plans/", views.plans_view, name="plans"),
    path("pilotage/export/<slug:name>.<str:fmt>", views.export, name="export"),
    path("pilotage/synthese.pdf", views.summary, name="summary"),
    path("pilotage/declarations/", views.declare, name="declarations"),
    path("pilotage/declarations/<int:pk>/preuve/", views.declaration_proof, name="declaration_proof"),
    path("pilotage/campagnes/", views.campaigns, name="campaigns"),
    path("pilotage/campagnes/<int:pk>/", views.campaign, name="campaign"),
    path("mes-resultats/", views.my_results, name="my_results"),
]
