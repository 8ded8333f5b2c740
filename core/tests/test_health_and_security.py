import json
import os
import subprocess
import sys

from django.conf import settings


def test_healthz_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get("/compte/connexion/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_production_defaults_are_secure():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARE_", "DJANGO_"))}
    env |= {"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = ("import json; from django.conf import settings as s; print(json.dumps([s.DEBUG, "
            "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=settings.BASE_DIR)
    assert json.loads(out.stdout) == [False, True, True, 31536000, True]


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARE_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.DEBUG"], env=env,
                         capture_output=True, text=True, cwd=settings.BASE_DIR)
    assert out.returncode != 0 and "DJANGO_SECRET_KEY" in out.stderr


def test_openapi_schema_and_docs_are_served(client, make_user):
    client.force_login(make_user("api@example.org"))
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/etablissements/" in schema and "/api/v1/autoevaluations/" in schema
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger-ui" in docs.content.decode()
    assert "cdn.jsdelivr" not in docs.content.decode()  # assets are served locally (CSP 'self')
