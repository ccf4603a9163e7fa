"""The Sanic web app served on :8000: consultant inbox, JSON API, health check.

Public API: :func:`create_app` and :func:`serve`. Modules: ``app`` (the factory),
``auth`` (login, logout, guards), ``sessions`` (server-side sessions), ``inbox`` (HTML
pages), ``api`` (JSON API), ``health`` (``/healthz``), ``security`` (headers, cookies),
``templating`` (Jinja2, autoescaped), ``state`` (what handlers share), ``throttle``
(login attempts), ``outbox_worker`` (periodic outbox delivery). Templates live in
``templates/``, CSS (and later the chat widget's JS) in ``static/``.
"""

from __future__ import annotations

from bot.web.app import create_app, serve

__all__ = ["create_app", "serve"]
