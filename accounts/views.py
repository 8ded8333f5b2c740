from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.access import requires_second_factor
from accounts.forms import LoginForm, TotpForm
from accounts.services import second_factor, throttling
from core import audit

PENDING_KEY = "care_pending_login"
PENDING_SECONDS = 300
LOCKED_MESSAGE = ("Trop de tentatives de connexion ont échoué. Réessayez dans quelques minutes ou "
                  "réinitialisez votre mot de passe.")


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("core:home")


def _finish_login(request, user, device=None):
    backend = "django.contrib.auth.backends.ModelBackend"
    login(request, user, backend=backend)
    if device is not None:
        otp_login(request, device)
    request.session.pop(PENDING_KEY, None)
    with audit.acting_as(user):
        audit.record("login", model_label="accounts.User", object_pk=user.pk, object_repr=str(user),
                     changes={"second_facteur": device is not None})


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = throttling.client_ip(request)
        # the attempt is reserved (checked and counted atomically) before the slow password hash
        if throttling.reserve_attempt(email, ip) is None:
            throttling.record_failure(email, ip, "verrouillage", reserved=True)
            form.add_error(None, LOCKED_MESSAGE)
        else:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if user is None:
                throttling.record_failure(email, ip, "mot de passe ou identifiant incorrect", reserved=True)
                form.add_error(None, "Adresse électronique ou mot de passe incorrect.")
            else:
                throttling.clear_failures(email)
                needs_totp = requires_second_factor(user) or second_factor.confirmed_device(user) is not None
                if not needs_totp:
                    _finish_login(request, user)
                    return redirect(_next_url(request))
                request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": _next_url(request)}
                if second_factor.confirmed_device(user) is None:
                    return redirect("accounts:totp_setup")
                return redirect("accounts:totp")
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending.get("next") or reverse("core:home")


@require_http_methods(["GET", "POST"])
def totp_view(request):
    user, next_url = _pending_user(request)
    if user is None:
        messages.warning(request, "Votre session de connexion a expiré : saisissez à nouveau vos identifiants.")
        return redirect("accounts:login")
    device = second_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:totp_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = throttling.client_ip(request)
        reservation = throttling.reserve_attempt(user.email, ip)
        if reservation is None:
            form.add_error(None, LOCKED_MESSAGE)
        elif second_factor.verify(device, form.cleaned_data["code"]):
            throttling.release(reservation)
            _finish_login(request, user, device)
            return redirect(next_url)
        else:
            throttling.record_failure(user.email, ip, "code TOTP incorrect", reserved=True)
            form.add_error("code", "Code incorrect ou expiré.")
    return render(request, "accounts/totp.html", {"form": form})


@require_http_methods(["GET", "POST"])
def totp_setup_view(request):
    user, next_url = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if second_factor.confirmed_device(user) is not None:
        return redirect("accounts:totp")
    device = second_factor.pending_device(user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.verify(device, form.cleaned_data["code"]):
            with audit.acting_as(user):
                second_factor.confirm(device)
            _finish_login(request, user, device)
            messages.success(request, "Votre second facteur d'authentification est activé.")
            return redirect(next_url)
        throttling.record_failure(user.email, throttling.client_ip(request), "code TOTP incorrect (activation)")
        form.add_error("code", "Code incorrect : vérifiez l'heure de votre téléphone et réessayez.")
    return render(request, "accounts/totp_setup.html", {
        "form": form, "qr_svg": second_factor.qr_svg(device), "secret": second_factor.secret_base32(device)})
