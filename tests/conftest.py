"""Fixtures shared by the whole test session: one real bot for every end-to-end test, one
production stack (nginx, 2+2 servers, PostgreSQL, Redis) for the scale-out, fault and
browser-through-nginx tests, one red-flag detector for the message tables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.localbot import LocalBot, start_bot
from testkit import (
    CONSULTANT_CONTACT,
    PG,
    PROD_RATE_PER_CLIENT,
    PROD_REDIS_DB,
    REDIS,
    ProdLinks,
    TcpProxy,
    require_services,
    throwaway_database,
)

if TYPE_CHECKING:
    from bot.nlu.red_flag_detector import RedFlagDetector
    from bot.prodstack import ProdStack


@pytest.fixture(scope="session")
def local_bot() -> Iterator[LocalBot]:
    """The Rasa server and the action server, started once per test session (~30-60 s)."""
    bot = start_bot()
    yield bot
    bot.stop()


@pytest.fixture(scope="session")
def red_flag_detector() -> RedFlagDetector:
    """The bot's safety reader as `rasa train` builds it: the patterns, and the triage trained
    on its corpus with the training questions as calm messages (about two minutes)."""
    from bot.nlu.evaluate import load_own
    from bot.nlu.red_flag_detector import RedFlagDetector
    from patient_text.safety import calm_training_questions

    detector = RedFlagDetector({})
    questions = [(e.text, e.intent) for e in load_own(Path(__file__).parents[1] / "data" / "nlu")]
    detector.reader.fit(calm_training_questions(questions))
    return detector


@pytest.fixture(scope="session")
def prod_links() -> Iterator[ProdLinks]:
    links = ProdLinks(TcpProxy(PG[1]), TcpProxy(PG[1]), TcpProxy(REDIS[1]))
    for link in links.all():
        link.start()
    yield links
    for link in links.all():
        link.stop()


@pytest.fixture(scope="session")
def prod_stack(prod_links: ProdLinks, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdStack]:
    """``make run-prod``'s layout on free ports, started once per session (about a minute): a
    throw-away database, Redis DB 8, the services reached through :class:`ProdLinks`."""
    from bot.prodstack import NGINX

    require_services([] if os.access(NGINX, os.X_OK) else [f"nginx ({NGINX}: make nginx)"])
    with throwaway_database("pharmabot_scale") as db_name:
        yield from _prod_stack(prod_links, tmp_path_factory.mktemp("prod"), db_name)


def _prod_stack(links: ProdLinks, run_dir: Path, db_name: str) -> Iterator[ProdStack]:
    import redis

    from bot.prodstack import Ports, ProdStack

    prod = ProdStack(
        ports=Ports.free(),
        run_dir=run_dir,
        database_url=f"postgresql://postgres@127.0.0.1:{links.tracker_db.port}/{db_name}",
        redis_db=PROD_REDIS_DB,
        redis_host="127.0.0.1",
        redis_port=links.redis.port,
    )
    prod.extra_env.update(
        {
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{links.tickets_db.port}/{db_name}",
            # on directly (to prove nginx hides it), never through nginx
            "RASA_API_TOKEN": secrets.token_hex(20),
            "RATE_PER_CLIENT": str(PROD_RATE_PER_CLIENT),
            "OUTBOX_DIR": str(run_dir / "outbox"),
            "OUTBOX_RETRY_SECONDS": "2",
            "CONSULTANT_CONTACT": CONSULTANT_CONTACT,
            "APP_ENV": "development",
            "ALLOWED_ORIGINS": f"{prod.public_url},http://localhost:{prod.ports.public}",
            "INBOX_BASE_URL": prod.public_url,
            "WIDGET_RASA_URL": prod.public_url,
            "SMTP_HOST": "",
            "NOTIFY_WEBHOOK_URL": "",
        }
    )
    try:
        prod.start()
        yield prod
    finally:
        prod.stop()
        redis.Redis(host=REDIS[0], port=REDIS[1], db=PROD_REDIS_DB).flushdb()
