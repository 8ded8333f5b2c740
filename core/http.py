"""HTTP helpers shared by the apps."""

from __future__ import annotations

from functools import wraps


def no_store(view):
    """`Cache-Control: no-store, private` on every response of the view (animator documents, live console):
    neither a shared proxy nor the browser's cache keeps a copy of what players must not see."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, private"
        return response

    return wrapped
