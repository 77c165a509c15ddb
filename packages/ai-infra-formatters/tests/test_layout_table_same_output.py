"""The compiled layout table prints what the generic layout printed, byte for byte.

Issue 12 replaced the per-event generic layout (a ``Rendering`` of parts, body
functions, ``_join``) with a table of line specs compiled once per formatter. The
change is a speed change only: this test renders the same events with the
package as it was before (:data:`BASE_COMMIT`, taken from git into a temporary
directory) and as it is now, each in a fresh process, and compares every line.

The events: the benchmark corpus (the executor's own event objects when it is
installed, and their dicts) and a seeded stream of odd events (every type, values
of every kind: hostile text, long text, Enums, huge ints, NaN, values whose
``==`` or truth value raises). The settings: the plain, rich and minimal layouts,
colours on and off, timing on and off, each visibility, a short value limit,
timestamps.

Skipped where the tree has no git history (an sdist).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO / "bench"
SRC = REPO / "packages" / "ai-infra-formatters" / "src"
#: The last commit with the generic layout.
BASE_COMMIT = "fe8d72ae677f7c53b1aa17043ec2af71a9aab28c"

# Run in a fresh process with the package to test first on sys.path; prints a JSON
# list of every output (or the name of the exception a call raised).
DUMP = r"""
import enum, json, math, random, sys
from corpus import build_corpus
from ai_infra_formatters.console import ConsoleFormatter
from rich.console import Console
import io

class Colour(enum.Enum):
    RED = "red"
    NUM = 7

class Shout(str, enum.Enum):
    TOOL = "add"

class RaisingEq:
    def __repr__(self):
        return "RaisingEq()"
    def __eq__(self, other):
        raise RuntimeError("eq")
    __hash__ = object.__hash__

class RaisingBool:
    def __repr__(self):
        return "RaisingBool()"
    def __bool__(self):
        raise RuntimeError("bool")

class Text(str):
    pass

TYPES = [
    "thinking", "reasoning", "token", "tool_start", "tool_end", "usage", "turn_start",
    "turn_end", "intent", "todo", "done", "error", "run_start", "run_end", "node_start",
    "node_end", "node_error", "state_update", "task_start", "task_complete", "task_failed",
    "task_skipped", "progress", "interrupt", "resume", "my_custom", "x\x1b[31m", "",
]
FIELDS = [
    "message", "content", "error", "tool", "node_name", "namespace", "duration_ms",
    "latency_ms", "model", "input_tokens", "output_tokens", "cost", "turn_id",
    "tools_called", "todo_items", "task", "arguments", "result", "structured_result",
    "preview", "state_snapshot", "data", "result_structured", "foo",
]

def value(rng, depth=0):
    pick = rng.randrange(30)
    if pick == 0: return None
    if pick == 1: return ""
    if pick == 2: return "plain words"
    if pick == 3: return "red \x1b[31mhot\x1b[0m \u202e bidi"
    if pick == 4: return "line one\nline two\n  indented\n"
    if pick == 5: return "x" * rng.choice([15, 1999, 2000, 2001, 5000])
    if pick == 6: return rng.choice([0, 1, 2, -3, 10**30])
    if pick == 7:
        return rng.choice([0.4, 2.5, 999.5, 999.6, 1000.0, 61234.5, 3.6e6, -1.0, -0.0, 0.0])
    if pick == 8: return rng.choice([math.nan, math.inf])
    if pick == 9: return rng.choice([True, False])
    if pick == 10: return Colour.RED if rng.random() < 0.5 else Colour.NUM
    if pick == 11: return Shout.TOOL
    if pick == 12: return 10**5000
    if pick == 13: return "ValueError: bad input"
    if pick == 14: return "Node error: plan - bad input"
    if pick == 15: return "Traceback (most recent call last):\n  boom\nValueError: x"
    if pick == 16 and depth < 2:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if pick == 17 and depth < 2:
        return {rng.choice(["title", "id", "status", "interrupt_id", "k"]): value(rng, depth + 1)
                for _ in range(rng.randrange(4))}
    if pick == 18: return {"title": value(rng, 2), "id": "t-1"}
    if pick == 19: return [{"title": "a", "status": "completed"}, {"title": "b"}, "c"]
    if pick == 20: return ["graph:1234", "sub:77"]
    if pick == 21: return Text("a str subclass")
    if pick == 22: return "日本語 émoji 🚀 \u200b zero width"
    if pick == 23: return "sunny\r\nwindy\t tab"
    if pick == 24 and rng.random() < 0.3: return RaisingEq()
    if pick == 25 and rng.random() < 0.3: return RaisingBool()
    if pick == 26: return "add"
    if pick == 27: return "ValueError: bad input\nmore"
    return rng.choice(["ok", "write_file", "gpt-4o", "completed", "Paused"])

def odd_events(count, *, timestamps):
    rng = random.Random(12)
    events = []
    for _ in range(count):
        d = {"type": rng.choice(TYPES)}
        for name in rng.sample(FIELDS, rng.randrange(1, 7)):
            d[name] = value(rng)
        if rng.random() < 0.05:
            d["event_type"] = d.pop("type") if rng.random() < 0.5 else Colour.RED
        if timestamps:
            d["timestamp"] = rng.choice([1700000000.5, "2024-05-01T12:00:00Z", 1e9])
        events.append(d)
    return events

def console(colours):
    return Console(file=io.StringIO(), force_terminal=colours, color_system="truecolor"
                   if colours else None, no_color=False, width=100)

CONFIGS = [
    dict(layout=layout, colors_enabled=colours, show_timing=timing, visibility=vis,
         max_value_length=limit)
    for layout in ("plain", "rich", "minimal")
    for colours in (True, False)
    for timing, vis, limit in ((True, None, 2000), (False, "standard", 12), (True, "debug", None),
                               (True, "minimal", 2000), (True, "detailed", 2000))
]

def call(fn, event):
    try:
        return fn(event)
    except Exception as exc:
        return "EXC:" + type(exc).__name__

corpus = build_corpus(int(sys.argv[1]), 20240501)
odd = odd_events(int(sys.argv[2]), timestamps=False)
stamped = odd_events(int(sys.argv[2]) // 4, timestamps=True)
out = []
for config in CONFIGS:
    colours = config["colors_enabled"]
    fmt = ConsoleFormatter(console=console(colours), **config)
    for events in (corpus.objects, corpus.dicts, odd):
        out.append([call(fmt.format, e) for e in events])
    out.append([call(fmt.speaker_label, e) for e in odd])
for colours in (True, False):
    fmt = ConsoleFormatter("plain", console=console(colours), colors_enabled=colours,
                           show_timestamps=True)
    for method in (fmt.format, fmt.format_plain, fmt.format_rich, fmt.format_minimal):
        out.append([call(method, e) for e in stamped])
json.dump(out, sys.stdout)
"""


def _dump(src: Path, corpus_events: int, odd_events: int) -> list[list[str]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(BENCH)]), "TZ": "UTC"}
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", DUMP, str(corpus_events), str(odd_events)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: list[list[str]] = json.loads(done.stdout)
    return result


def _base_tree(tmp_path: Path) -> Path:
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("no git history here")
    archive = tmp_path / "base.tar"
    done = subprocess.run(
        [git, "-C", str(REPO), "archive", "-o", str(archive), BASE_COMMIT,
         "packages/ai-infra-formatters/src"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"commit {BASE_COMMIT[:10]} is not in this clone: {done.stderr.strip()}")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(tmp_path / "base", filter="data")
        else:  # pragma: no cover - Pythons before the extraction filters
            tar.extractall(tmp_path / "base")  # our own git archive
    return tmp_path / "base" / "packages" / "ai-infra-formatters" / "src"


@pytest.mark.skipif(not (BENCH / "corpus.py").is_file(), reason="bench/ is not in this tree")
def test_every_line_is_the_same_as_the_generic_layouts(tmp_path: Path) -> None:
    base = _base_tree(tmp_path)
    before = _dump(base, 2000, 3000)
    after = _dump(SRC, 2000, 3000)
    assert len(before) == len(after)
    differences = [
        (block, i, old, new)
        for block, (olds, news) in enumerate(zip(before, after, strict=True))
        for i, (old, new) in enumerate(zip(olds, news, strict=True))
        if old != new
    ]
    assert not differences, f"{len(differences)} lines differ; first: {differences[:5]}"
    assert sum(len(block) for block in after) > 100_000
