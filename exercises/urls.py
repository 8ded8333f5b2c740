from django.urls import path

from exercises.views import communication, documents, members, preparation, roles

app_name = "exercises"
urlpatterns = [
    path("", preparation.exercise_list, name="list"),
    path("nouveau/", preparation.create, name="create"),
    path("invitation/<str:token>/", members.invitation, name="invitation"),
    path("<int:pk>/", preparation.detail, name="detail"),
    path("<int:pk>/logistique/", preparation.logistics, name="logistics"),
    path("<int:pk>/etat/", preparation.set_status, name="set_status"),
    path("<int:pk>/variables/", preparation.variables, name="variables"),
    path("<int:pk>/participants/", members.members, name="members"),
    path("<int:pk>/participants/<int:member_pk>/", members.member_action, name="member_action"),
    path("<int:pk>/roles/suppleance/", roles.cover, name="cover"),
    path("<int:pk>/communication/", communication.communication, name="communication"),
    path("<int:pk>/calendrier.ics", communication.calendar, name="calendar"),
    path("<int:pk>/kit-participant/", documents.participant, name="participant_kit"),
    path("<int:pk>/kit-participant.pdf", documents.participant_pdf, name="participant_kit_pdf"),
    path("<int:pk>/kit-animateur/", documents.animator, name="animator_kit"),
    path("<int:pk>/kit-animateur.pdf", documents.animator_pdf, name="animator_kit_pdf"),
    path("<int:pk>/classeur.pdf", documents.binder_pdf, name="binder_pdf"),
    path("<int:pk>/chronogramme/", documents.chronogramme, name="chronogramme"),
    path("<int:pk>/chronogramme.xlsx", documents.chronogramme_xlsx, name="chronogramme_xlsx"),
]
