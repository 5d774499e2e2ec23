"""The shared speed limit (core.throttle.TokenBucket), on an injected clock: no real time."""

from __future__ import annotations

import threading

from sds_desktop.core.throttle import TokenBucket


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_unlimited_never_sleeps() -> None:
    t = FakeTime()
    bucket = TokenBucket(0, clock=t.clock, sleep=t.sleep)
    for _ in range(100):
        bucket.consume(1 << 20)
    assert t.slept == []


def test_limit_paces_the_bytes_to_the_rate() -> None:
    t = FakeTime()
    rate = 100_000
    bucket = TokenBucket(rate, clock=t.clock, sleep=t.sleep)
    chunk, chunks = 10_000, 50  # 500 kB at 100 kB/s: 5 s
    for _ in range(chunks):
        bucket.consume(chunk)
    # the last chunk's debt is paid by whoever comes next: 4.9 s of sleep here
    assert abs(t.now - 100.0 - (chunk * (chunks - 1)) / rate) < 0.01
    assert max(t.slept) <= 0.1 + 1e-9  # short slices: a change is noticed quickly


def test_rate_change_while_waiting_applies_at_once() -> None:
    t = FakeTime()
    bucket = TokenBucket(1000, clock=t.clock, sleep=t.sleep)
    bucket.consume(10_000)  # 10 s of debt at 1 kB/s
    calls = 0

    def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        t.sleep(seconds)
        if calls == 5:
            bucket.set_rate(1_000_000)  # raised after 0.5 s: the rest of the debt is quick

    bucket._sleep = sleep
    bucket.consume(1)
    assert t.now - 100.0 < 0.6


def test_set_to_zero_releases_the_waiters() -> None:
    t = FakeTime()
    bucket = TokenBucket(10, clock=t.clock, sleep=t.sleep)
    bucket.consume(1_000_000)
    bucket.set_rate(0)
    bucket.consume(1_000_000)
    assert t.slept == []
    assert bucket.rate == 0


def test_idle_time_saves_only_a_short_burst() -> None:
    t = FakeTime()
    bucket = TokenBucket(1000, clock=t.clock, sleep=t.sleep)
    t.now += 3600  # an hour idle must not allow an hour's worth of bytes at once
    for _ in range(10):
        bucket.consume(250)
    assert t.now - 3700.0 >= (250 * 10 - 250 - 250) / 1000 - 1e-9


def test_cancel_ends_the_wait() -> None:
    t = FakeTime()
    bucket = TokenBucket(1, clock=t.clock, sleep=t.sleep)
    cancel = threading.Event()
    bucket.consume(1000)
    cancel.set()
    bucket.consume(1000, cancel)
    assert t.slept == []


def test_threads_share_one_budget() -> None:
    lock = threading.Lock()
    t = FakeTime()

    def sleep(seconds: float) -> None:
        with lock:
            t.sleep(seconds)

    bucket = TokenBucket(50_000, clock=t.clock, sleep=sleep)

    def work() -> None:
        for _ in range(20):
            bucket.consume(5_000)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    # 400 kB at 50 kB/s: about 8 s of clock, whichever thread slept it
    assert t.now - 100.0 >= (400_000 - 4 * 5_000) / 50_000 - 0.2
