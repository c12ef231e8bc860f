"""Marks an API operation as public on purpose (read-only open data, plan figures)."""

from collections.abc import Callable
from typing import Any


def public_api(func: Callable[..., Any]) -> Callable[..., Any]:
    func.public_api = True  # type: ignore[attr-defined]
    return func
