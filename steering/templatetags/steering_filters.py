"""The dashboards' filter selects: hundreds of options (departments, GHT) built in one join rather than as
template nodes per option."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()
SELECTED = mark_safe(" selected")  # noqa: S308 - a constant


@register.simple_tag
def options(choices, selected, with_code=False):
    """`<option>` elements for (value, label) pairs or plain values; the one equal to `selected` is selected."""
    pairs = (choice if isinstance(choice, tuple | list) else (choice, choice) for choice in choices)
    return format_html_join("", '<option value="{}"{}>{}</option>', (
        (value, SELECTED if value == selected else "", f"{value} {label}" if with_code else label)
        for value, label in pairs))
