"""System check: the private storage is never inside STATIC_ROOT (files there are served
to anyone by the web server or by WhiteNoise-like tools)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from plania.documents.storage import private_storage


@register()
def private_storage_outside_web_root(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    location = getattr(private_storage(), "location", None)
    static_root = getattr(settings, "STATIC_ROOT", None)
    if not location or not static_root:
        return []
    private = Path(location).resolve()
    static = Path(static_root).resolve()
    if private == static or static in private.parents:
        return [
            Error(
                f"The private storage ({private}) is inside STATIC_ROOT ({static}): "
                "attachments would be public.",
                hint="Set PLANIA_PRIVATE_ROOT (or STORAGES['private']) outside STATIC_ROOT.",
                id="plania.documents.E001",
            )
        ]
    return []
