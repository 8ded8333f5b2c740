from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.shortcuts import redirect

from accounts.access import requires_second_factor

# Pro Santé Connect is itself a strong authentication (e-CPS): no TOTP on top of it.
PRO_SANTE_CONNECT = "accounts.oidc.ProSanteConnectBackend"
OPEN_PREFIXES = ("/compte/", "/static/", "/healthz", "/oidc/")


class SecondFactorRequiredMiddleware:
    """A session of a user whose role requires TOTP is only valid once the second factor was given."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and not request.path.startswith(OPEN_PREFIXES)
                and requires_second_factor(user) and not user.is_verified()
                and request.session.get(BACKEND_SESSION_KEY) != PRO_SANTE_CONNECT):
            logout(request)
            return redirect("accounts:login")
        return self.get_response(request)
