"""Requests the platform refuses cleanly (400, never a 500): NUL bytes in parameters, oversized form bodies; and
PDFs that never fetch an external resource."""

import re
import socket
import urllib.request

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.middleware import NUL_MESSAGE


@pytest.fixture
def national(directory, verified_client):
    from accounts.models import User

    return verified_client(User.objects.get(email="equipe.nationale@care.demo"))


@pytest.mark.parametrize("url", ["/annuaire/", "/plan/", "/api/v1/etablissements/", "/kits/", "/exercices/"])
def test_a_nul_byte_in_the_query_string_is_a_clear_400(national, url):
    assert national.get(f"{url}?q=a").status_code == 200
    response = national.get(f"{url}?q=a%00b")
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE
    assert "caractère nul" in NUL_MESSAGE
    assert national.get(f"{url}?a%00=1").status_code == 400  # in a key too


def test_a_nul_byte_in_a_form_field_is_a_400(national):
    response = national.post("/annuaire/", {"q": "a\x00b"})
    assert response.status_code == 400 and "caractère nul" in response.content.decode()


def _get_routes(resolver=None, prefix=""):
    """Every route of config.urls without URL arguments (no converter, no regex group)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        text = str(pattern.pattern).lstrip("^").rstrip("$")
        if "<" in text or "(" in text or "\\" in text:
            continue
        if isinstance(pattern, URLResolver):
            yield from _get_routes(pattern, prefix + text)
        elif isinstance(pattern, URLPattern):
            route = prefix + text
            if "[" in route or "?" in route or "*" in route:
                continue
            yield "/" + route


ROUTES = sorted(set(_get_routes()))


def test_the_route_walk_finds_the_main_pages():
    assert {"/annuaire/", "/plan/", "/api/v1/etablissements/", "/kits/"} <= set(ROUTES)


@pytest.mark.parametrize("url", ROUTES)
def test_no_get_route_answers_5xx_to_nul_parameters(national, url):
    response = national.get(url + "?q=%00&page=%00")
    assert response.status_code < 500, url
    assert response.status_code == 400


def test_a_5_mb_form_body_is_a_400_not_a_500(client, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 3 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE and settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    body = "email=x%40example.org&password=" + "a" * (5 * 1024 * 1024)
    response = client.post("/compte/connexion/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_too_many_form_fields_is_a_400(client, settings):
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10))
    response = client.post("/compte/connexion/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_a_pdf_with_external_images_is_rendered_without_any_fetch(monkeypatch, tmp_path, settings):
    from pypdf import PdfReader

    from core.pdf import render_pdf

    def refuse(*args, **kwargs):
        raise AssertionError(f"accès réseau tenté : {args!r}")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    (tmp_path / "doc.html").write_text(
        "<html><body><h1>Kit animateur</h1>"
        '<p><img src="http://example.org/a.png"> <img src="https://example.org/b.png">'
        f'<img src="file://{secret}"> <img src="ftp://example.org/c.png"></p>'
        '<p style="background: url(http://example.org/bg.png)">fond</p>'
        '<link rel="stylesheet" href="http://example.org/style.css"></body></html>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    content = render_pdf("doc.html", {})
    assert content.startswith(b"%PDF")
    import io

    assert "Kit animateur" in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_the_fetcher_refuses_external_urls_and_keeps_data_urls():
    from core.pdf import _fetcher

    fetcher = _fetcher()
    for url in ("http://example.org/a.png", "https://example.org/a.png", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(ValueError, match="ressource externe refusée"):
            fetcher.fetch(url)
    assert re.match(rb"GIF", fetcher.fetch("data:image/gif;base64,R0lGODlhAQABAAAAACw=").read())
