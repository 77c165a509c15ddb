"""Fixtures for the run log tests: a redis-server for the session, and a factory of
fresh run logs parametrized over both backends (memory, Redis)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

import pytest
from redis_support import RedisServer, needs_redis

from ai_infra_executor.run_log import RunLog
from ai_infra_executor.run_log_memory import MemoryRunLog


class MakeLog(Protocol):
    def __call__(self, bound: int, max_runs: int = 100) -> RunLog:
        """A fresh, empty run log keeping about *bound* events a run, *max_runs* runs."""
        ...


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", pytest.param("redis", marks=needs_redis)])
async def make_log(request: pytest.FixtureRequest) -> AsyncIterator[MakeLog]:
    """A factory: a fresh, empty run log keeping about *bound* events a run, and at
    most *max_runs* runs."""
    made: list[RunLog] = []

    def make(bound: int, max_runs: int = 100) -> RunLog:
        log: RunLog
        if request.param == "memory":
            log = MemoryRunLog(max_events_per_run=bound, max_runs=max_runs)
        else:
            from ai_infra_executor.run_log_redis import RedisRunLog

            server: RedisServer = request.getfixturevalue("redis_server")
            prefix = f"test-{uuid.uuid4().hex}:"
            log = RedisRunLog(server.url, maxlen=bound, max_runs=max_runs, prefix=prefix)
        made.append(log)
        return log

    yield make
    for log in made:
        await log.close()
