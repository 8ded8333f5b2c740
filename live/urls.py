from django.urls import path

from live import views

app_name = "live"
urlpatterns = [
    path("<int:pk>/animation/", views.console, name="console"),
    path("<int:pk>/animation/commande/", views.control_action, name="control"),
    path("<int:pk>/animation/stimulus/<int:delivery_pk>/", views.delivery_action, name="delivery"),
    path("<int:pk>/cellule/", views.crisis_cell, name="cell"),
    path("<int:pk>/observation/", views.observe, name="observe"),
    path("<int:pk>/direct/flux/", views.feed, name="feed"),
    path("<int:pk>/direct/action/", views.cell_action, name="action"),
    path("<int:pk>/direct/export.xlsx", views.export, name="export"),
]
