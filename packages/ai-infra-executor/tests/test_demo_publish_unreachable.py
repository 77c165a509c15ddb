"""`ai-infra-executor demo --publish URL` when the Redis is not there: checked before
the run (exit 2, one line, nothing run), and when it goes away mid-run the events
that never reached it make the exit status 1, with a line saying how many (issue 15)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from redis_support import free_port

import ai_infra_executor.run_log_redis
from ai_infra_executor.cli import EXIT_ERROR, EXIT_USAGE, main
from ai_infra_executor.run_log_memory import MemoryRunLog


def test_a_redis_that_does_not_answer_is_a_usage_error_before_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--format", "plain", "--latency-scale", "0", "--publish", url])
    assert stopped.value.code == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""  # the run did not start
    assert f"cannot reach Redis at {url}: " in err
    assert "publishing the run as" not in err
    assert len(err.splitlines()) == 1


class _GoesAway(MemoryRunLog):
    """A run log that answers at first, then takes one batch of events and is
    unreachable from then on (as a Redis stopped mid-run)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.batches = 0

    async def append_many(
        self,
        run_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        first_seq: int | None = None,
    ) -> list[str]:
        self.batches += 1
        if self.batches > 1:
            raise ConnectionError("Redis went away")
        return await super().append_many(run_id, events[:1], first_seq=first_seq)

    async def end(self, run_id: str) -> None:
        raise ConnectionError("Redis went away")


async def test_events_lost_mid_run_make_the_exit_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ai_infra_executor.run_log_redis, "RedisRunLog", _GoesAway)
    argv = ["demo", "--format", "json", "--latency-scale", "0", "--publish", "redis://h:1/0"]
    # main() runs asyncio.run: in a thread, from this test's own event loop.
    status = await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    assert status == EXIT_ERROR
    shown = len(out.splitlines())  # every event the demo showed was put to the publisher
    (line,) = [line for line in err.splitlines() if "were not published" in line]
    missing, total = map(int, re.findall(r"(\d+) of the run's (\d+) events", line)[0])
    assert total == shown
    assert 0 < missing < total
