"""How the Rasa server is started: one place for its flags, so no start opens a door.

Owns the arguments of ``rasa run`` as ``python -m bot rasa`` (used by ``scripts/run.sh``,
the tests and the benchmark) builds them from the settings:

- it listens on ``BIND_HOST`` (127.0.0.1 by default);
- Rasa's HTTP API (``/model/parse``, ``/conversations/...``, ``/model``) is on only when
  ``RASA_API_TOKEN`` is set, and then every call needs ``?token=<RASA_API_TOKEN>``; the token
  is handed over inside the process, so it never shows in ``ps``;
- CORS is ``ALLOWED_ORIGINS``, never ``*`` in production;
- Sanic refuses request bodies over ``MAX_REQUEST_BYTES``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bot.origins import cors_origin
from bot.settings import PROJECT_ROOT, Settings


def rasa_argv(
    settings: Settings,
    model: Path = PROJECT_ROOT / "models" / "current.tar.gz",
    endpoints: Path = PROJECT_ROOT / "endpoints.yml",
    credentials: Path = PROJECT_ROOT / "credentials.yml",
    port: int | None = None,
    log_file: Path | None = None,
) -> list[str]:
    """The ``rasa run`` arguments for these settings."""
    argv = [
        "run",
        "--interface",
        settings.bind_host,
        "--port",
        str(port or settings.rasa_port),
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        "--cors",
        *(cors_origin(origin) for origin in settings.allowed_origins),
    ]
    if settings.rasa_api_token is not None:
        argv += ["--enable-api", "--auth-token", settings.rasa_api_token]
    if log_file is not None:
        argv += ["--log-file", str(log_file)]
    return argv


def run_rasa(settings: Settings, argv: list[str]) -> int:
    """Run the Rasa server in this process (blocking) with ``argv`` from :func:`rasa_argv`."""
    os.environ["SANIC_REQUEST_MAX_SIZE"] = str(settings.max_request_bytes)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    from rasa.__main__ import main

    from bot import (
        action_history,
        action_validation,
        endpoint_sessions,
        event_lookup,
        graph_runner,
        past_states,
        rule_log,
        tracker_copy,
    )
    from bot.nlu import build_spacy

    action_validation.install()  # Rasa's per-call schema check was 30% of its CPU
    event_lookup.install()  # and its per-event class lookup a sixth at the 100th message
    past_states.install()  # the policies' states of earlier turns, kept instead of rebuilt
    action_history.install()  # an answer action is sent the latest turns, not the whole session
    graph_runner.install()  # the NLU and policy graphs run node after node, without dask
    tracker_copy.install()  # the tracker copied before each action without replaying its events
    rule_log.install()  # the RulePolicy's debug line of every state formatted only when printed
    endpoint_sessions.install()  # the action server's connections kept open between calls

    # the trained model carries its encoders; the spaCy pipeline comes from the code
    if build_spacy.ensure():
        print(f"built the spaCy pipeline in {build_spacy.PIPELINE_DIR}", file=sys.stderr)

    sys.argv = ["rasa", *argv]
    main()
    return 0
