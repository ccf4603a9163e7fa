"""The production profile (endpoints.production.yml): PostgreSQL tracker store, Redis lock store.

Needs PostgreSQL and Redis on 127.0.0.1: skipped with a reason when they do not answer,
failed instead when REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from bot.localbot import ROOT, LocalBot, start_bot
from testkit import PG, REDIS, require_services, throwaway_database


@pytest.fixture(scope="module")
def production_bot() -> Iterator[tuple[LocalBot, str]]:
    require_services()
    with throwaway_database("pharmabot_e2e") as db_name:
        yield from _production_bot(db_name)


def _production_bot(db_name: str) -> Iterator[tuple[LocalBot, str]]:
    env = {
        "TRACKER_DB_HOST": PG[0],
        "TRACKER_DB_PORT": str(PG[1]),
        "TRACKER_DB_NAME": db_name,
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": REDIS[0],
        "REDIS_PORT": str(REDIS[1]),
        "REDIS_DB": "7",
        "DATABASE_URL": f"postgresql://postgres@{PG[0]}:{PG[1]}/{db_name}",
    }
    bot = start_bot(endpoints_file=ROOT / "endpoints.production.yml", extra_env=env)
    try:
        yield bot, db_name
    finally:
        bot.stop()


def test_conversation_is_stored_in_postgresql(production_bot: tuple[LocalBot, str]) -> None:
    import psycopg2

    bot, db_name = production_bot
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"sender": sender, "message": "how often is ocrevus given"}).encode()
    req = urllib.request.Request(bot.rest_url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        replies = json.loads(resp.read())
    assert "6 months" in "\n".join(r.get("text") or "" for r in replies)
    with psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname=db_name) as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (sender,))
        assert cur.fetchone()[0] == 1


def _say(bot: LocalBot, sender: str, message: str) -> str:
    body = json.dumps({"sender": sender, "message": message}).encode()
    req = urllib.request.Request(bot.rest_url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (local URL)
        return "\n".join(r.get("text") or "" for r in json.loads(resp.read()))


def test_forgetting_deletes_the_conversation_from_postgresql(production_bot: tuple[LocalBot, str]) -> None:
    import psycopg2

    bot, db_name = production_bot
    sender = f"forget-{uuid.uuid4().hex[:8]}"
    _say(bot, sender, "how often is ocrevus given")
    assert "delete this conversation" in _say(bot, sender, "please forget all my data")
    assert "deleted" in _say(bot, sender, "yes")
    with psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname=db_name) as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,))
        assert cur.fetchone()[0] == 0


def test_purge_reaches_the_production_tracker_store(production_bot: tuple[LocalBot, str]) -> None:
    import subprocess
    import sys

    bot, db_name = production_bot
    env = {
        **os.environ,
        "TRACKER_DB_HOST": PG[0],
        "TRACKER_DB_PORT": str(PG[1]),
        "TRACKER_DB_NAME": db_name,
        "TRACKER_DB_USER": "postgres",
        "DATABASE_URL": bot.database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--older-than", "3650d"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deleted 0 conversation(s)")
