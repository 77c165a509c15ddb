"""The json_objects_upstream bench row: ai-infra's own event objects, built from the corpus.

The harness lives at the repository root (not in an sdist: these tests skip
there), and the upstream modules come from ai-infra's published wheels (a
cached copy or a download): without them the tests skip, as the row does.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench"

pytestmark = pytest.mark.skipif(
    not (BENCH / "run.py").is_file(), reason="bench/run.py is not in this tree"
)


def _load(name: str, file: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> Any:
    sys.path.insert(0, str(BENCH))  # run.py imports its corpus and upstream modules
    try:
        yield _load("ai_infra_bench_run_upstream", BENCH / "run.py")
    finally:
        sys.path.remove(str(BENCH))


def _upstream(bench: Any, name: str) -> Any:
    module = bench.upstream.load(name)
    if isinstance(module, str):
        pytest.skip(module)
    return module


def test_the_old_executor_module_loads_without_leaving_a_stand_in(bench: Any) -> None:
    module = _upstream(bench, "executor_streaming")
    assert hasattr(module, "ExecutorStreamEvent")
    assert "ai_infra" not in sys.modules
    assert "ai_infra.logging" not in sys.modules


def test_upstream_objects_are_the_corpus_event_for_event(bench: Any) -> None:
    _upstream(bench, "executor_streaming")
    corpus = bench.build_corpus(400)
    if corpus.source != "ai_infra_executor":
        pytest.skip("ai_infra_executor is not importable")
    made = bench.upstream_objects(corpus)
    assert not isinstance(made, str), made
    objects, upstream_format = made
    assert len(objects) == len(corpus.specs)
    core = _upstream(bench, "streaming").StreamEvent
    for spec, obj, ours in zip(corpus.specs, objects, corpus.dicts, strict=True):
        fields = json.loads(upstream_format(obj))
        if spec.type in bench.CORE_TYPES:
            assert type(obj) is core
            assert fields == json.loads(json.dumps(ours))  # the same core wire form
        else:
            assert fields["event_type"] == spec.type
            # That version had no error field: its builders put the error under data.
            if "error" in spec.fields:
                assert fields["data"]["error"] == spec.fields["error"]
            for name in ("node_name", "task", "message", "duration_ms", "state_snapshot"):
                if name in spec.fields:
                    assert fields[name] == spec.fields[name]
