"""The PCRA as ONE self-contained HTML file, to keep on a USB key or a standalone laptop and read when the
information system is down: inline CSS and SVG, no external reference, print CSS (each degraded-mode sheet on a
new page), table of contents with anchors. Everything is escaped by the template's autoescape."""

from __future__ import annotations

from django.template.loader import render_to_string

from continuity.services import gantt
from continuity.services.document import plan_document


def build_plan_html(ctx: dict) -> str:
    chart = ctx["chart"]
    return render_to_string("continuity/offline.html", {
        **ctx, "svg": None if chart.empty else gantt.svg_context(chart),
    })


def render_html(project) -> str:
    return build_plan_html(plan_document(project))
