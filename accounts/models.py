from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from accounts.roles import ROLE_SCOPE, Role, ScopeKind
from core.audit import AuditedModel


class CareUserManager(UserManager):
    def create_user(self, email, password=None, **extra):
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra)


class User(AuditedModel, AbstractUser):
    """A person; the e-mail address is the login."""

    email = models.EmailField("adresse électronique", unique=True)
    rpps = models.CharField("identifiant RPPS / ADELI", max_length=20, blank=True, db_index=True,
                            help_text="Sert à reconnaître la personne à la connexion Pro Santé Connect.")
    organisation_label = models.CharField("organisme", max_length=200, blank=True,
                                          help_text="Pour un prestataire externe : sa société.")

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]
    objects = CareUserManager()

    class Meta:
        verbose_name = "utilisateur"

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower().strip()
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)


class RoleAssignment(AuditedModel):
    """A role held by a user on one scope (national, a region, a GHT or an establishment)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    region = models.ForeignKey("organisations.Region", null=True, blank=True, on_delete=models.CASCADE)
    ght = models.ForeignKey("organisations.Ght", null=True, blank=True, on_delete=models.CASCADE)
    establishment = models.ForeignKey("organisations.Establishment", null=True, blank=True,
                                      on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "ght", "establishment"],
                                    name="unique_role_assignment"),
        ]

    def __str__(self) -> str:
        target = self.region or self.ght or self.establishment or "national"
        return f"{self.user} — {self.get_role_display()} ({target})"

    @property
    def scope_kind(self) -> str:
        return ROLE_SCOPE[self.role]

    def clean(self) -> None:
        kind = ROLE_SCOPE.get(self.role)
        expected = {
            ScopeKind.NATIONAL: (False, False, False),
            ScopeKind.REGION: (True, False, False),
            ScopeKind.GHT: (False, True, False),
            ScopeKind.ESTABLISHMENT: (False, False, True),
        }.get(kind)
        if expected is None:
            raise ValidationError("Les rôles d'exercice sont attribués sur un exercice, pas ici.")
        actual = (self.region_id is not None, self.ght_id is not None, self.establishment_id is not None)
        if actual != expected:
            raise ValidationError(f"Le rôle « {self.get_role_display()} » s'attribue sur un périmètre {kind}.")

    def save(self, *args, **kwargs):
        self.full_clean(exclude=["user"])
        super().save(*args, **kwargs)


class FailedLogin(models.Model):
    """Failed attempts, counted per login and per address for throttling."""

    username = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
