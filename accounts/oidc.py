"""Pro Santé Connect (OpenID Connect) login, enabled by OIDC_ENABLED. Only known users may log in:
they are matched on their RPPS identifier, then on their e-mail address."""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class ProSanteConnectBackend(OIDCAuthenticationBackend):
    RPPS_CLAIMS = ("SubjectNameID", "preferred_username", "rpps")

    def filter_users_by_claims(self, claims):
        users = self.UserModel.objects.filter(is_active=True)
        for claim in self.RPPS_CLAIMS:
            value = claims.get(claim)
            if value:
                matched = users.filter(rpps=str(value))
                if matched.exists():
                    return matched
        email = claims.get("email")
        return users.filter(email__iexact=email) if email else users.none()

    def verify_claims(self, claims):
        return any(claims.get(c) for c in self.RPPS_CLAIMS) or bool(claims.get("email"))
