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
