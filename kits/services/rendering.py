"""Kit texts: `{{ variable }}` substitution and Markdown to safe HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

VARIABLE_RE = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
# html=False: raw HTML in a text (or in a value typed by a user) is shown as text, never interpreted.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": False, "linkify": False}).enable("table")
# Stimuli are shown as received (an e-mail, a script): their line breaks are kept.
_markdown_as_received = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable("table")


def variables_in(texts: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for text in texts:
        if text:
            names.update(VARIABLE_RE.findall(text))
    return names


def substitute(text: str, values: Mapping[str, str], missing: str = "[{name}]") -> str:
    if not text:
        return ""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        value = values.get(name)
        return str(value) if value not in (None, "") else missing.format(name=name)

    return VARIABLE_RE.sub(replace, text)


def markdown(text: str, *, keep_breaks: bool = False) -> SafeString:
    renderer = _markdown_as_received if keep_breaks else _markdown
    return mark_safe(renderer.render(text or ""))  # noqa: S308 - html disabled above


def texts_of(value) -> Iterable[str]:
    """Every string inside a nested structure (for variable scans and searches)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from texts_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts_of(item)
