import secrets

from core.audit import _actor


class ContentSecurityPolicyMiddleware:
    """A strict CSP with a per-request nonce for the few inline scripts (DSFR loader)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{request.csp_nonce}'; "
                "style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; "
                "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
            )
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class AuditActorMiddleware:
    """Every change made while handling a request is attributed to the logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        label = user.get_username() if user is not None and user.is_authenticated else "anonyme"
        token = _actor.set((user if user is not None and user.is_authenticated else None, label))
        try:
            return self.get_response(request)
        finally:
            _actor.reset(token)


NUL_MESSAGE = ("Requête refusée : un paramètre contient un caractère nul (\\x00), qui n'est accepté dans aucun "
               "champ. Retirez-le de l'adresse ou du formulaire puis réessayez.")


class RejectNulBytesMiddleware:
    """400 for a query string or form field (key or value) containing a NUL byte.

    PostgreSQL refuses NUL in text (DataError, a 500 in any view that filters or saves the value); no field of
    the platform accepts it, so such a request is refused before any view runs. Forms are read only for
    urlencoded and multipart bodies (Django's own parsing, with its size limits: RequestDataTooBig is a 400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _has_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in value for value in values if isinstance(value, str))
                   for key, values in data.lists())

    def __call__(self, request):
        from django.http import HttpResponseBadRequest

        if self._has_nul(request.GET) or (request.method == "POST" and self._has_nul(request.POST)):
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
