"""Rate limits: who the client is behind the proxy, and token buckets per sender and client."""

from __future__ import annotations

from bot.rate_limit import Buckets, RateLimiter, client_address

TRUSTED = ("127.0.0.1", "::1")


def test_the_client_is_the_hop_before_the_trusted_proxy():
    assert client_address("203.0.113.9", None, TRUSTED) == "203.0.113.9"
    assert client_address("127.0.0.1", None, TRUSTED) == "127.0.0.1"  # on the host itself
    assert client_address("127.0.0.1", "198.51.100.7", TRUSTED) == "198.51.100.7"  # behind nginx
    # a client cannot pick its address by sending its own X-Forwarded-For: nginx appends the real one
    assert client_address("127.0.0.1", "10.9.9.9, 198.51.100.7", TRUSTED) == "198.51.100.7"
    # a stranger's header is ignored: only a trusted proxy may name the client
    assert client_address("203.0.113.9", "127.0.0.1", TRUSTED) == "203.0.113.9"
    assert client_address("127.0.0.1", "not-an-ip", TRUSTED) == "127.0.0.1"


def test_buckets_refill_over_time():
    now = [0.0]
    buckets = Buckets(per_minute=3, clock=lambda: now[0])
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("b")  # another key has its own bucket
    now[0] += 20  # one token back every 20 s
    assert buckets.allow("a") and not buckets.allow("a")


def test_local_clients_are_not_limited_and_others_are_per_sender_and_per_client():
    now = [0.0]
    limiter = RateLimiter(per_sender=2, per_client=3, trusted=TRUSTED, clock=lambda: now[0])
    assert all(limiter.allow(f"s{i % 50}", "127.0.0.1") for i in range(1000))  # the benchmark
    assert limiter.allow("s1", "198.51.100.7") and limiter.allow("s1", "198.51.100.7")
    assert not limiter.allow("s1", "198.51.100.7")  # the sender's limit
    assert not limiter.allow("s2", "198.51.100.7")  # the client's limit (3 used)
    assert limiter.allow("s3", "198.51.100.8")  # another client
