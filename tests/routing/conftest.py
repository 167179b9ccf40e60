"""One fake Messages API server for the routing tests, emptied before each test.

Starting and stopping a server per test costs half a second each (the server's shutdown
poll), so it is shared; each test gets it with no script, no recorded requests and the
default reply.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic_server import FakeAnthropic


@pytest.fixture(scope="session")
def shared_fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def fake(shared_fake: FakeAnthropic) -> FakeAnthropic:
    shared_fake.reset()
    return shared_fake
