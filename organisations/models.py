"""The programme's hierarchy: national → 18 regions (ARS, GRADeS) → GHT → legal entities → establishments."""

from django.db import models

from core.audit import AuditedModel


class Context(models.TextChoices):
    MCO = "mco", "MCO (médecine, chirurgie, obstétrique)"
    PSYCHIATRIE = "psychiatrie", "Psychiatrie"
    SSR = "ssr", "SSR / soins médicaux et de réadaptation"
    CANCEROLOGIE = "cancerologie", "Cancérologie"
    HAD = "had", "Hospitalisation à domicile"
    ESSMS = "essms", "Médico-social (EHPAD, ESSMS)"


class Sector(models.TextChoices):
    SANITAIRE = "sanitaire", "Établissement sanitaire"
    ESSMS = "essms", "Établissement ou service médico-social"
    AUTRE = "autre", "Autre structure"


class Status(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVE_NON_LUCRATIF = "prive_non_lucratif", "Privé non lucratif"
    PRIVE_LUCRATIF = "prive_lucratif", "Privé lucratif"
    INCONNU = "inconnu", "Non renseigné"


class Region(AuditedModel):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    ars_name = models.CharField("ARS", max_length=150)
    grades_name = models.CharField("GRADeS", max_length=150, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "région"

    def __str__(self) -> str:
        return self.name


class Department(AuditedModel):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")

    class Meta:
        ordering = ["code"]
        verbose_name = "département"

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Ght(AuditedModel):
    code = models.CharField(max_length=10, primary_key=True)
    short_name = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ghts")

    class Meta:
        ordering = ["short_name"]
        verbose_name = "GHT"
        verbose_name_plural = "GHT"

    def __str__(self) -> str:
        return f"{self.short_name} – {self.name}"


class Category(models.Model):
    code = models.CharField(max_length=4, primary_key=True)
    label = models.CharField(max_length=200)
    aggregate_code = models.CharField(max_length=4, blank=True)
    aggregate_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = "catégorie FINESS"

    def __str__(self) -> str:
        return self.label


class LegalEntity(models.Model):
    finess = models.CharField("FINESS juridique", max_length=9, primary_key=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "entité juridique"

    def __str__(self) -> str:
        return self.name or self.finess


class Establishment(AuditedModel):
    """A FINESS ET (établissement géographique)."""

    scope_path = ""  # the access module filters this model on itself

    finess = models.CharField("FINESS géographique", max_length=9, primary_key=True)
    legal_entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="establishments")
    name = models.CharField("raison sociale", max_length=200, db_index=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL)
    sector = models.CharField(max_length=12, choices=Sector.choices, default=Sector.AUTRE, db_index=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.INCONNU)
    contexts = models.CharField("contextes d'activité", max_length=100, blank=True,
                                help_text="Codes séparés par des virgules, dérivés de la catégorie.")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="establishments")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="establishments")
    ght = models.ForeignKey(Ght, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    ght_is_demo = models.BooleanField("rattachement GHT de démonstration", default=False)
    address = models.CharField(max_length=250, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    source_updated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "établissement"
        indexes = [models.Index(fields=["region", "sector"]), models.Index(fields=["ght"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.finess})"

    @property
    def context_list(self) -> list[str]:
        return [c for c in self.contexts.split(",") if c]

    @property
    def context_labels(self) -> list[str]:
        labels = dict(Context.choices)
        return [labels.get(c, c) for c in self.context_list]
