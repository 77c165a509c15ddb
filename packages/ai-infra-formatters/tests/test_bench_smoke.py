"""Smoke run of the benchmark harness (bench/run.py) on a tiny corpus, so it cannot rot.

The harness lives at the repository root, outside the package: in an sdist it is
not there and these tests skip. Targets are not enforced in a smoke run; what is
checked is that every row runs (or is skipped for a missing part) and that the
JSON result file is well formed and agrees with the exit status.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "run.py"

pytestmark = pytest.mark.skipif(not BENCH.is_file(), reason="bench/run.py is not in this tree")

ROW_IDS = [
    "json_objects",
    "json_objects_upstream",
    "json_dicts_stdlib",
    "json_dicts_orjson",
    "json_escape_cost",
    "console_plain_naive",
    "console_plain_fstring",
    "console_rich_naive",
    "console_plain_upstream",
    "console_plain_upstream_tokens",
    "console_plain_upstream_tools",
    "escape_10mb_token",
    "stream_to_console_file",
    "executor_pipeline",
    "import_formatters",
    "import_executor",
    "cli_ndjson",
    "cli_json_throughput",
    "cli_plain_throughput",
    "publish_redis",
    "watchers_200",
    "watchers_200_replay",
]
CLI_ROWS = {"cli_ndjson", "cli_json_throughput", "cli_plain_throughput"}
EXECUTOR_ROWS = {"executor_pipeline", "import_executor"}
#: Rows against a downloaded ai-infra wheel: skipped (with a note) where it cannot be had.
UPSTREAM_ROWS = {
    "json_objects_upstream",
    "console_plain_upstream",
    "console_plain_upstream_tokens",
    "console_plain_upstream_tools",
}
#: Rows that need a redis-server and the executor's server extra (publish_redis: LangGraph too).
SERVE_ROWS = {"publish_redis": ("langgraph",), "watchers_200": (), "watchers_200_replay": ()}
HAVE_EXECUTOR = importlib.util.find_spec("ai_infra_executor") is not None
HAVE_CLI = importlib.util.find_spec("ai_infra_formatters.cli") is not None


def _can_serve(*more: str) -> bool:
    """Whether redis-server is installed and the server extra (and *more*) importable."""
    if shutil.which("redis-server") is None:
        return False
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("ai_infra_executor", "redis", "starlette", "uvicorn", *more)
    )


def run_bench(out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--events", "150", "--log-mb", "0.5",
         "--import-reps", "2", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert out.is_file(), f"no result file\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done, json.loads(out.read_text("utf-8"))


@pytest.fixture(scope="module")
def smoke(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    return run_bench(tmp_path_factory.mktemp("bench") / "results.json")


def test_smoke_run_exits_zero_whatever_the_targets(smoke) -> None:
    done, result = smoke
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["smoke"] is True
    assert result["enforced"] is False


def test_result_file_is_well_formed(smoke) -> None:
    _, result = smoke
    assert result["schema"] == 1
    assert result["corpus"]["events"] == 150
    assert math.isclose(sum(result["corpus"]["mix"].values()), 1.0, abs_tol=0.01)
    assert result["corpus"]["mix"]["token"] > 0.5
    assert [row["id"] for row in result["rows"]] == ROW_IDS
    for row in result["rows"]:
        assert row["status"] in {"pass", "fail", "skipped"}, (row["id"], row["note"], row["detail"])
        assert row["op"] in {">=", "<="}
        assert row["target"] > 0
        assert row["figure"]
        assert row["baseline"]
        if row["status"] == "skipped":
            assert row["value"] is None
            assert row["note"]
        else:
            assert isinstance(row["value"], float)
            assert row["value"] > 0
            met = (
                row["value"] >= row["target"]
                if row["op"] == ">="
                else row["value"] <= row["target"]
            )
            if not met:
                assert row["status"] == "fail"
    assert result["passed"] == all(row["status"] == "pass" for row in result["rows"])


def test_rows_run_or_skip_as_the_environment_allows(smoke) -> None:
    _, result = smoke
    rows = {row["id"]: row for row in result["rows"]}
    for row_id in ROW_IDS:
        if row_id in UPSTREAM_ROWS:
            row = rows[row_id]
            assert row["status"] != "skipped" or row["note"], row
            continue
        needs_missing = (
            (row_id in EXECUTOR_ROWS and not HAVE_EXECUTOR)
            or (row_id in CLI_ROWS and not HAVE_CLI)
            or (row_id in SERVE_ROWS and not _can_serve(*SERVE_ROWS[row_id]))
        )
        assert (rows[row_id]["status"] == "skipped") == needs_missing, rows[row_id]
    timing = rows["json_dicts_stdlib"]["detail"]["timing"]
    assert set(timing) == {"format", "format_bytes", "stdlib", "orjson"}
    assert all(t["best_ns_per_event"] > 0 for t in timing.values())
    assert rows["json_objects"]["detail"]["output_mismatches"] == 0
    escaping = rows["json_escape_cost"]["detail"]
    assert escaping["hostile_lines"] > 0
    assert escaping["raw_controls_in_output"] == 0
    assert escaping["lines_not_decoding_to_the_same_data"] == 0
    assert rows["console_plain_naive"]["detail"]["events_with_ansi_codes"] > 0
    assert rows["import_formatters"]["detail"]["forbidden_loaded"] == []
    if HAVE_CLI:
        cli = rows["cli_ndjson"]["detail"]
        assert cli["returncode"] == 0
        assert cli["log_bytes"] >= 500_000
        assert cli["mb_per_s"] > 0
        for row_id in ("cli_json_throughput", "cli_plain_throughput"):
            timing = rows[row_id]["detail"]
            runs = timing["runs"]
            assert len(timing["wall_seconds"]) == len(timing["baseline_wall_seconds"]) == runs
            assert timing["mb_per_s"] > 0


def test_table_lists_every_row(smoke) -> None:
    done, result = smoke
    for row in result["rows"]:
        assert row["figure"] in done.stdout
    assert "results:" in done.stdout


def test_enforced_run_passes_when_every_selected_target_is_met(tmp_path: Path) -> None:
    done, result = run_bench(tmp_path / "r.json", "--enforce", "--only", "cli_ndjson")
    rows = {row["id"]: row for row in result["rows"]}
    others = [row for row in result["rows"] if row["id"] != "cli_ndjson"]
    assert all(row["status"] == "skipped" and not row["selected"] for row in others)
    if HAVE_CLI:  # a 0.5 MB log is rendered in far less than 80 MB
        assert rows["cli_ndjson"]["status"] == "pass", rows["cli_ndjson"]
        assert result["passed"] is True
        assert done.returncode == 0, done.stdout
    else:  # a selected row that cannot be measured fails an enforced run
        assert result["passed"] is False
        assert done.returncode == 1


def test_enforced_exit_status_follows_the_targets(tmp_path: Path) -> None:
    done, result = run_bench(tmp_path / "r.json", "--enforce", "--only", "json")
    selected = [row for row in result["rows"] if row["selected"]]
    assert [row["id"] for row in selected] == [i for i in ROW_IDS if i.startswith("json")]
    met = all(row["status"] == "pass" for row in selected)
    assert result["passed"] is met
    assert done.returncode == (0 if met else 1)
    assert ("TARGETS MISSED" in done.stdout) is not met


def test_bad_arguments_are_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--events", "0", "--out", str(tmp_path / "x.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--events" in done.stderr
    assert not (tmp_path / "x.json").exists()


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("ai_infra_bench_run", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(sys.platform != "linux", reason="the figures below are Linux's")
def test_the_memory_figure_is_the_childs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH.parent))  # run.py imports its corpus module
    bench = _bench_module()
    allocate = "data = b'x' * (200 * 2**20)"  # 200 MiB, every page written
    _, peak, _ = bench.child_peak([sys.executable, "-c", allocate], None, None)
    assert 200 <= peak <= 200 + 60
    # A small child of a large harness reads as small: Linux hands a child, at fork or
    # exec, the high-water mark of its parent, which the launcher keeps out.
    ballast = b"y" * (400 * 2**20)
    _, peak, _ = bench.child_peak([sys.executable, "-c", "pass"], None, None)
    assert len(ballast) > 0
    assert peak < 60
