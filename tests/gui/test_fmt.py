"""Times in the panes are the user's local time, whatever zone the server used."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sds_desktop.core.models import parse_server_time
from sds_desktop.gui.fmt import local_time


@pytest.fixture
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_listing_time_in_new_york_is_shown_in_local_time(utc_clock: None) -> None:
    # the gateway's naive 03:55 in New York (EST, UTC-5) is 08:55 for a UTC user
    assert local_time(parse_server_time("2026-11-24 03:55:00")) == "2026-11-24 08:55"
    assert local_time(parse_server_time("2026-11-24T08:55:00+00:00")) == "2026-11-24 08:55"
    assert local_time(None) == ""
