"""The dashboards' filter selects: hundreds of options (departments, GHT) built in one join rather than as
template nodes (or format_html calls) per option."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def options(choices, selected, with_code=False):
    """`<option>` elements for (value, label) pairs or plain values; the one equal to `selected` is selected."""
    parts = []
    for choice in choices:
        value, label = choice if isinstance(choice, tuple | list) else (choice, choice)
        text = f"{value} {label}" if with_code else label
        parts.append(f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>'
                     f"{escape(str(text))}</option>")
    return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above
