from django import forms
from dsfr.forms import DsfrBaseForm


class LoginForm(DsfrBaseForm):
    email = forms.EmailField(label="Adresse électronique", widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label="Mot de passe",
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TotpForm(DsfrBaseForm):
    code = forms.CharField(label="Code à 6 chiffres", max_length=10,
                           help_text="Le code affiché par votre application d'authentification.",
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
