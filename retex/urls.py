from django.urls import path

from retex import views

app_name = "retex"
urlpatterns = [
    path("exercices/<int:pk>/retex/", views.hub, name="hub"),
    path("exercices/<int:pk>/retex/a-chaud/", views.hot_debrief, name="debrief"),
    path("exercices/<int:pk>/retex/equipe/", views.team_action, name="team_action"),
    path("exercices/<int:pk>/retex/rapport.pdf", views.report_pdf_view, name="report_pdf"),
    path("exercices/<int:pk>/retex/rapport.docx", views.report_docx_view, name="report_docx"),
    path("plan/", views.plan_list, name="plan"),
    path("plan/nouvelle/", views.action_create, name="action_create"),
    path("plan/export.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("plan/export.pdf", views.plan_pdf, name="plan_pdf"),
    path("plan/<int:action_pk>/", views.action_detail, name="action"),
    path("plan/<int:action_pk>/preuve/", views.action_evidence, name="action_evidence"),
]
