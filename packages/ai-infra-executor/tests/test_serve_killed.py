"""The server killed with SIGKILL mid-run and started again: a watcher reconnects with
Last-Event-ID and resumes from Redis, nothing lost or repeated (issue 15). A real
redis-server and a real `ai-infra-executor serve` process."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from redis_support import RedisServer, free_port, needs_redis
from serve_support import start_serve

from ai_infra_executor.run_log_redis import RedisRunLog
from ai_infra_executor.watch import watch_run

pytestmark = needs_redis


async def test_a_watcher_resumes_from_redis_after_the_server_is_killed(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    port = free_port()
    serve = start_serve(port, ["--redis", redis.url])
    log = RedisRunLog(redis.url)
    got: list[int] = []
    retries: list[str] = []
    try:
        await log.append("run", {"type": "run_start"})

        async def produce() -> None:
            for n in range(400):
                await log.append("run", {"type": "progress", "data": {"n": n}})
                await asyncio.sleep(0.003)
            await log.end("run")

        watcher = asyncio.create_task(
            asyncio.to_thread(
                watch_run,
                f"http://127.0.0.1:{port}/runs/run",
                lambda event: got.append(event["data"]["n"]) if "data" in event else None,
                on_retry=retries.append,
            )
        )
        producer = asyncio.create_task(produce())
        while len(got) < 50:
            await asyncio.sleep(0.01)
        os.kill(serve.pid, signal.SIGKILL)  # no shutdown, no goodbye
        serve.wait(timeout=10)
        await asyncio.sleep(0.3)
        serve = start_serve(port, ["--redis", redis.url])
        await producer
        await asyncio.wait_for(watcher, 60)
    finally:
        serve.kill()
        serve.wait(timeout=10)
        await log.close()
        redis.stop()
    assert retries  # the watcher had to reconnect
    assert got == list(range(400))
