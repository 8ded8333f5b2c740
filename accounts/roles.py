"""The roles of the programme and the kind of scope each one carries."""

from django.db import models


class Role(models.TextChoices):
    NATIONAL = "national", "Équipe nationale du programme"
    ARS_REFERENT = "ars_referent", "Référent ARS"
    GRADES_REFERENT = "grades_referent", "Référent GRADeS"
    GHT_REFERENT = "ght_referent", "Référent GHT"
    DIRECTOR = "director", "Directeur d'établissement"
    RSSI = "rssi", "RSSI / DSI"
    PCA_LEAD = "pca_lead", "Responsable PCA/PRA"
    MEMBER = "member", "Membre de l'établissement"
    # Exercise-scoped roles: held through exercises.Member (one role per person and exercise), never on a structure.
    ANIMATOR = "animator", "Animateur d'exercice"
    OBSERVER = "observer", "Observateur d'exercice"
    PLAYER = "player", "Joueur (cellule de crise)"


class ScopeKind(models.TextChoices):
    NATIONAL = "national", "National"
    REGION = "region", "Région"
    GHT = "ght", "GHT"
    ESTABLISHMENT = "establishment", "Établissement"
    EXERCISE = "exercise", "Exercice"


ROLE_SCOPE: dict[str, str] = {
    Role.NATIONAL: ScopeKind.NATIONAL,
    Role.ARS_REFERENT: ScopeKind.REGION,
    Role.GRADES_REFERENT: ScopeKind.REGION,
    Role.GHT_REFERENT: ScopeKind.GHT,
    Role.DIRECTOR: ScopeKind.ESTABLISHMENT,
    Role.RSSI: ScopeKind.ESTABLISHMENT,
    Role.PCA_LEAD: ScopeKind.ESTABLISHMENT,
    Role.MEMBER: ScopeKind.ESTABLISHMENT,
    Role.ANIMATOR: ScopeKind.EXERCISE,
    Role.OBSERVER: ScopeKind.EXERCISE,
    Role.PLAYER: ScopeKind.EXERCISE,
}
# Roles whose holders must log in with a second factor (TOTP).
SECOND_FACTOR_ROLES = {Role.NATIONAL, Role.ARS_REFERENT, Role.GRADES_REFERENT}
# Roles that may fill the establishment's maturity self-assessment.
ASSESSMENT_EDITOR_ROLES = {Role.DIRECTOR, Role.RSSI, Role.PCA_LEAD}
# Regional and national content managers: may read animator kits of the library and of exercises in scope.
CONTENT_MANAGER_ROLES = {Role.ARS_REFERENT, Role.GRADES_REFERENT}
# Establishment roles that may prepare an exercise (besides GHT referents and content managers).
EXERCISE_PREPARER_ROLES = {Role.DIRECTOR, Role.RSSI, Role.PCA_LEAD}
