"""Hooks: how a lower app calls into a higher one without importing it (docs/architecture.md).

The lower app names its hooks, with the app and function expected behind each, and calls them;
the higher app registers each function in its ``AppConfig.ready``. A hook nobody registered is a
set-up error, never a silent skip. Used by ``care.hooks`` and ``portal.hooks``.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hooks:
    """The hooks of one app: ``names`` maps each to the function expected behind it."""

    def __init__(self, app: str, names: Mapping[str, str]) -> None:
        self.app = app
        self.names = dict(names)
        self.registered: dict[str, Callable[..., Any]] = {}

    def register(self, name: str, function: Callable[..., Any]) -> None:
        """Register the function behind a hook; a second registration replaces it."""
        if name not in self.names:
            known = ", ".join(sorted(self.names))
            raise ValueError(f"{self.app} has no hook {name!r}; it has {known}.")
        self.registered[name] = function

    def __getitem__(self, name: str) -> Callable[..., Any]:
        try:
            return self.registered[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"Nothing registered {self.app}'s hook {name!r} ({self.names[name]})."
            ) from None
