from django import forms
from django.utils.html import escape
from dsfr.forms import DsfrBaseForm

from exercises.models import MemberRole
from kits.models import KitContext

CONTEXT_CHOICES = [(c.value, c.label) for c in KitContext if c.value not in ("mco", "regional")]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ExerciseForm(DsfrBaseForm):
    kit = forms.ChoiceField(label="Kit d'exercice")
    contexts = forms.MultipleChoiceField(
        label="Contextualisation", choices=CONTEXT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Ajoute au kit les stimuli, fiches réflexes et rôles propres à ces activités.")
    title = forms.CharField(label="Intitulé", max_length=200, required=False,
                            help_text="Laissez vide pour « Exercice de crise cyber <année> – <établissement> ».")
    scheduled_start = forms.DateTimeField(label="Date et heure de début", widget=DateTimeLocalInput(),
                                          input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"])
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=30, max_value=600, required=False,
                                          help_text="Par défaut, la durée prévue par le kit.")
    place = forms.CharField(label="Lieu (salle de la cellule de crise)", max_length=250)
    provider = forms.CharField(label="Prestataire d'animation", max_length=200, required=False,
                               help_text="Vide si l'équipe d'animation est interne.")

    def __init__(self, *args, kits=(), embargoed=(), **kwargs):
        """`embargoed`: kits left out because the user plays or observes an exercise on them that is not over."""
        super().__init__(*args, **kwargs)
        self.fields["kit"].choices = [(k.slug, f"{k.title} — {k.get_level_display()}") for k in kits]
        if embargoed:  # the DSFR snippet renders help_text unescaped
            self.fields["kit"].help_text = escape(
                "Non proposé(s) : " + ", ".join(f"« {k.title} »" for k in embargoed) + ". Vous participez comme "
                "joueur ou observateur à un exercice en cours sur ce kit : son scénario doit vous rester inconnu "
                "jusqu'à la fin de l'exercice.")
            self._bound_fields_cache.pop("kit", None)  # bound by DsfrBaseForm.__init__ before the help text was set


class LogisticsForm(DsfrBaseForm):
    title = forms.CharField(label="Intitulé", max_length=200)
    scheduled_start = forms.DateTimeField(label="Date et heure de début", widget=DateTimeLocalInput(),
                                          input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"])
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=30, max_value=600)
    place = forms.CharField(label="Lieu", max_length=250)
    provider = forms.CharField(label="Prestataire d'animation", max_length=200, required=False)


class MemberForm(DsfrBaseForm):
    full_name = forms.CharField(label="Prénom et nom", max_length=150)
    email = forms.EmailField(label="Adresse électronique")
    role = forms.ChoiceField(label="Rôle dans l'exercice", choices=MemberRole.choices)
    cell_role = forms.ChoiceField(label="Rôle dans la cellule de crise (joueurs)", required=False)

    def __init__(self, *args, cell_roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell_role"].choices = [("", "—")] + [(r["id"], r["label"]) for r in cell_roles]


class ChronogrammeImportForm(DsfrBaseForm):
    file = forms.FileField(label="Classeur XLSX du chronogramme",
                           help_text="Le fichier exporté depuis cette page, modifié. 5 Mo au plus.")


class SendForm(DsfrBaseForm):
    audience = forms.ChoiceField(label="Destinataires", choices=[("all", "Tous les membres de l'exercice"),
                                                                 *MemberRole.choices])
    extra = forms.CharField(label="Autres adresses (séparées par des virgules)", required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))


class AcceptInvitationForm(DsfrBaseForm):
    full_name = forms.CharField(label="Prénom et nom", max_length=150)
    password = forms.CharField(label="Choisissez un mot de passe", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), min_length=12, help_text="12 caractères au moins.")

    def clean_password(self):
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password)
        return password
