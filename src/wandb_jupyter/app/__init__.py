"""The standalone server process: the W&B API (:mod:`..server`) and the dashboard in one tornado app."""

from __future__ import annotations

from ._app import make_app, serve

__all__ = ["make_app", "serve"]
