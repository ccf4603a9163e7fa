"""Consultant accounts over real HTTP: throttling that holds under parallel attempts, per
account and per address; logout, a new password and a disabled account end every session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

PASSWORD = "correct horse battery staple"


@pytest.fixture
def inbox(sqlite_url, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    add_consultant(sqlite_url, "bob")
    return web_server(sqlite_url).base_url, sqlite_url


def _login(base: str, name: str, password: str, client: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    return requests.post(f"{base}/api/login", json={"username": name, "password": password}, headers=headers)


def _token(base: str, name: str = "alice") -> dict[str, str]:
    response = _login(base, name, PASSWORD)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_parallel_guesses_do_not_slip_through_the_throttle(inbox):
    base, _ = inbox
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: _login(base, "bob", "wrong guess").status_code, range(20)))
    assert statuses.count(401) == 5 and statuses.count(429) == 15
    assert _login(base, "bob", PASSWORD).status_code == 429  # even the right password, for now


def test_the_throttle_counts_per_account_and_per_address(inbox):
    base, _ = inbox
    # one account guessed from many addresses (behind the proxy)
    statuses = [_login(base, "bob", "wrong", client=f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    # many accounts guessed from one address
    statuses = [_login(base, f"nobody{i}", "wrong", client="203.0.113.5").status_code for i in range(21)]
    assert statuses == [401] * 20 + [429]
    assert _login(base, "alice", PASSWORD, client="198.51.100.99").status_code == 200  # others go on


def test_logout_ends_every_session_of_the_account(inbox):
    base, _ = inbox
    phone, desk = _token(base), _token(base)
    other = _token(base, "bob")
    assert requests.post(f"{base}/api/logout", headers=phone).status_code == 200
    assert requests.get(f"{base}/api/tickets", headers=desk).status_code == 401
    assert requests.get(f"{base}/api/tickets", headers=other).status_code == 200


def test_a_new_password_ends_every_session(inbox, run_cli):
    base, url = inbox
    session = _token(base)
    done = run_cli("consultants", "passwd", "alice", database_url=url, stdin="another long passphrase\n")
    assert done.returncode == 0, done.stderr
    assert requests.get(f"{base}/api/tickets", headers=session).status_code == 401
    assert _login(base, "alice", "another long passphrase").status_code == 200


def test_a_disabled_account_is_locked_out_at_once(inbox, run_cli):
    base, url = inbox
    session = _token(base)
    done = run_cli("consultants", "disable", "alice", database_url=url)
    assert done.returncode == 0 and "disabled" in done.stdout, done.stderr
    assert requests.get(f"{base}/api/tickets", headers=session).status_code == 401
    assert _login(base, "alice", PASSWORD).status_code == 401
    missing = run_cli("consultants", "disable", "nobody", database_url=url)
    assert missing.returncode == 1 and "no consultant named" in missing.stderr
