"""HTML templates to PDF (WeasyPrint). Documents print without the platform: no external resource is fetched."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"ressource externe refusée : {url}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def pdf_response(template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.pdf"'
    return response
