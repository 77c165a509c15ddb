"""`ai-infra-executor demo --publish REDIS_URL`: the demo run goes to the Redis run log,
where the watch server shows it (issue 15). A real redis-server; skipped without one."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import orjson
import pytest
from redis_support import RedisServer, needs_redis

from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, main
from ai_infra_executor.run_log_redis import RedisRunLog
from ai_infra_executor.server import create_app

pytestmark = needs_redis


@pytest.fixture
def redis_url(tmp_path: Path) -> object:
    server = RedisServer(tmp_path)
    server.start()
    yield server.url
    server.stop()


async def test_the_published_run_is_what_the_demo_showed_and_the_server_serves_it(
    redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["demo", "--format", "json", "--latency-scale", "0", "--publish", redis_url]
    assert await _main(argv) == EXIT_OK
    out, err = capsys.readouterr()
    (run_id,) = re.findall(r"publishing the run as (\S+)", err)
    shown = [orjson.loads(line)["type"] for line in out.splitlines()]

    log = RedisRunLog(redis_url)
    try:
        info = await log.info(run_id)
        stored = [entry.event["type"] for entry in await log.read(run_id, limit=10_000)]
        app = create_app(log)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            runs = (await client.get("/runs")).json()
            body = (await client.get(f"/runs/{run_id}/events")).text
    finally:
        await log.close()
    assert info.status == "ended"
    assert stored == shown  # every event the demo printed, in order
    assert [run["id"] for run in runs] == [run_id]
    frames = [orjson.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    sent = [frame["type"] for frame in frames if "type" in frame]  # the end event has none
    assert sent == stored


async def _main(argv: list[str]) -> int:
    """main() runs asyncio.run: in a thread, from this test's own event loop."""
    import asyncio

    return await asyncio.to_thread(main, argv)


def test_a_url_redis_cannot_read_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--format", "json", "--publish", "http://not-redis"])
    assert stopped.value.code == EXIT_USAGE
    assert "--publish http://not-redis" in capsys.readouterr().err
