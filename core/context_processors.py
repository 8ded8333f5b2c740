from django.conf import settings


def platform(request):
    from accounts.access import navigation_for

    return {
        "SITE_TITLE": "Plateforme CaRE",
        "SITE_TAGLINE": "Cybersécurité accélération et Résilience des Établissements",
        "nav_items": navigation_for(request.user, request.path) if hasattr(request, "user") else [],
        "oidc_enabled": settings.OIDC_ENABLED,
    }
