"""HTML templates to PDF (WeasyPrint). Documents print without the platform: no external resource is fetched."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def _fetcher():
    """A WeasyPrint URL fetcher (class API of WeasyPrint ≥ 63) that refuses every fetch but inline `data:` URLs.

    No http(s), no file (the PDF templates carry their styles inline), no ftp: a link in a kit variable
    (`![x](http://…)`, `<img src=…>`) is simply left out of the PDF, never fetched.
    """
    from weasyprint.urls import URLFetcher

    class _NoExternalFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            if not str(url).lower().startswith("data:"):
                raise ValueError(f"ressource externe refusée : {str(url)[:200]}")
            return super().fetch(url, headers)

    return _NoExternalFetcher()


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None, url_fetcher=_fetcher()).write_pdf()


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.pdf"'
    return response
