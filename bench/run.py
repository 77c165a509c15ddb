"""Benchmark harness: formatter throughput, pipeline cost, import cost and memory.

Run it with the Python whose environment has the packages installed (``nox -s
bench`` builds the wheels, installs them into a fresh virtualenv and runs this)::

    python bench/run.py                 # full run: ~20k events, 200 MB log, targets enforced
    python bench/run.py --smoke         # tiny corpus in seconds, targets reported only
    python bench/run.py --log-mb 20     # a smaller NDJSON log for the memory row
    python bench/run.py --only json_objects,cli_ndjson
    python bench/run.py --profile console_plain_naive   # cProfile the measured side of a row

The machine is shared and absolute times drift, so every figure is a ratio
against a baseline measured in the same run: in-process rows time whole passes
over the corpus, candidate and baselines interleaved round by round (the order
rotates), and compare the best pass of each; the import rows time whole
``python -c`` processes, interleaved, and compare medians.

The result is a table on stdout and a JSON file (``--out``, default
``.bench/results.json`` at the repository root). The exit status is 1 when a
target is missed, a row fails to run or a row cannot be measured (the
executor or the CLI missing), unless targets are not enforced (``--smoke``
without ``--enforce``, or ``--no-enforce``); a usage error exits 2.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import importlib.util
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

import orjson
import serve_rows
import upstream
from corpus import CORE_TYPES, Corpus, build_corpus
from rich.console import Console
from rich.text import Text

from ai_infra_formatters import JsonFormatter
from ai_infra_formatters.console import ConsoleFormatter
from ai_infra_formatters.unsafe_chars import TERMINAL_ACTIVE

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_OUT: Final = REPO_ROOT / ".bench" / "results.json"
RESULT_SCHEMA_VERSION: Final = 1

#: One measured callable and the inputs it is applied to, one call per item.
Case = tuple[Callable[[Any], object], Sequence[Any]]


# -- results --------------------------------------------------------------------


@dataclass
class Row:
    """One line of the result table.

    ``value`` is the measured figure: for ``unit == "x"`` a ratio (for ``op ==
    ">="`` baseline time / candidate time, how many times faster the candidate
    is; for ``op == "<="`` candidate time / baseline time, what the candidate
    costs in baselines); for ``unit == "MB"`` a size; for ``unit == "s"`` a time
    in seconds (an absolute target: its ratio to a same-run baseline goes in
    ``note`` and ``detail``). ``status`` is ``pass``,
    ``fail`` (target missed), ``error`` (the row raised) or ``skipped`` (a
    part it needs is not installed, or the row was left out with ``--only``:
    then ``selected`` is false and the row does not count).
    """

    id: str
    figure: str
    baseline: str
    op: str
    target: float
    unit: str = "x"
    value: float | None = None
    status: str = "skipped"
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    selected: bool = True

    def judge(self, value: float, *, extra_ok: bool = True, note: str = "") -> None:
        """Record *value* and whether it meets the target (and *extra_ok*, a side condition)."""
        self.value = value
        met = value >= self.target if self.op == ">=" else value <= self.target
        self.status = "pass" if met and extra_ok else "fail"
        if note:
            self.note = note

    def skip(self, why: str) -> None:
        """Mark the row as not measured, saying *why*."""
        self.status = "skipped"
        self.note = why


ROWS: Final[tuple[tuple[str, str, str, str, float, str], ...]] = (
    ("json_objects", "JsonFormatter on event objects",
     "json.dumps(event.to_dict(), default=str)", ">=", 4.0, "x"),
    ("json_objects_upstream", "JsonFormatter on event objects",
     "ai-infra 1.19 JsonFormatter on its own objects", ">=", 5.0, "x"),
    ("json_dicts_stdlib", "JsonFormatter on dicts (format, str)", "json.dumps(d, default=str)",
     ">=", 10.0, "x"),
    ("json_dicts_orjson", "JsonFormatter on dicts (format_bytes, bytes)",
     "raw orjson.dumps(d) (the limit)", ">=", 0.6, "x"),
    ("json_escape_cost", "format_bytes on dicts, 5% of tokens with a C1/bidi/tag char",
     "format_bytes on the same dicts, clean", "<=", 1.25, "x"),
    ("console_plain_naive", "ConsoleFormatter plain, colours on",
     "Console.print(Text) per event, captured (naive Rich)", ">=", 50.0, "x"),
    ("console_plain_fstring", "ConsoleFormatter plain, colours on",
     "f-string with pre-rendered ANSI prefixes (the limit)", ">=", 0.25, "x"),
    ("console_rich_naive", "ConsoleFormatter rich layout",
     "Console.print(Text) per event, captured (naive Rich)", ">=", 10.0, "x"),
    ("console_plain_upstream", "ConsoleFormatter plain, colours on, whole corpus",
     "ai-infra 1.19 PlainFormatter(colors_enabled=True)", ">=", 0.8, "x"),
    ("console_plain_upstream_tokens", "ConsoleFormatter plain, colours on, token events",
     "ai-infra 1.19 PlainFormatter(colors_enabled=True)", ">=", 1.0, "x"),
    ("console_plain_upstream_tools", "ConsoleFormatter plain, colours on, tool_start/tool_end",
     "ai-infra 1.19 PlainFormatter(colors_enabled=True)", ">=", 1.0, "x"),
    # issue 12, speed of escaping and of the writer (bench_escape_token, bench_stream_file)
    ("escape_10mb_token", "ConsoleFormatter plain: one 10 MB token, unsafe char every 25",
     "seconds (vs the old str.translate in the note)", "<=", 0.3, "s"),
    ("stream_to_console_file", "stream_to_console to a real file, plain, colours on",
     "the same formatter's format() alone", ">=", 0.8, "x"),
    ("executor_pipeline", "executor: core event -> from_core_event -> format -> write",
     "JsonFormatter alone on ready dicts", ">=", 0.4, "x"),
    ("import_formatters", "python -c: import ai_infra_formatters + first JSON line",
     'python -c "import orjson"', "<=", 1.5, "x"),
    ("import_executor", "python -c: import ai_infra_executor", 'python -c "import orjson"', "<=",
     2.0, "x"),
    ("cli_ndjson", "ai-infra-format --format plain --no-color LOG > /dev/null", "peak RSS",
     "<=", 80.0, "MB"),
    ("cli_json_throughput", "ai-infra-format --format json LOG > /dev/null",
     "python: orjson.dumps(orjson.loads(line)) per line", ">=", 0.5, "x"),
    ("cli_plain_throughput", "ai-infra-format --format plain --no-color LOG > /dev/null",
     "python: orjson.dumps(orjson.loads(line)) per line", ">=", 0.5, "x"),
    # issue 15, publishing runs and watching them over HTTP (bench/serve_rows.py)
    *serve_rows.SERVE_ROWS,
)  # fmt: skip


def make_rows() -> dict[str, Row]:
    """A fresh, unmeasured row for every figure, by id, in table order."""
    return {r[0]: Row(*r) for r in ROWS}


# -- timing -----------------------------------------------------------------------


def one_pass(fn: Callable[[Any], object], items: Sequence[Any]) -> float:
    """Nanoseconds per item of one pass of *fn* over *items* (GC off while it runs)."""
    gc.collect()
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for item in items:
            fn(item)
        elapsed = time.perf_counter_ns() - start
    finally:
        if gc_was_on:
            gc.enable()
    return elapsed / max(1, len(items))


def interleave(cases: dict[str, Case], rounds: int) -> dict[str, list[float]]:
    """Per-item times of *rounds* passes of every case, the cases interleaved.

    Every case gets one untimed warm-up pass first. In each round every case
    runs once, the order rotating from round to round, so a slow spell of the
    machine hits all of them alike.
    """
    names = list(cases)
    for name in names:
        one_pass(*cases[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(one_pass(*cases[name]))
    return samples


def _timing_detail(samples: dict[str, list[float]]) -> dict[str, Any]:
    return {
        name: {
            "best_ns_per_event": round(min(values), 1),
            "median_ns_per_event": round(statistics.median(values), 1),
            "passes": len(values),
        }
        for name, values in samples.items()
    }


def faster_ratio(
    samples: dict[str, list[float]], baseline: str, candidate: str = "candidate"
) -> float:
    """How many times faster *candidate*'s best pass is than *baseline*'s."""
    return min(samples[baseline]) / min(samples[candidate])


def times_note(
    samples: dict[str, list[float]], baseline: str, candidate: str = "candidate", note: str = ""
) -> str:
    """``"660 vs 2,580 ns/event"``: the best passes behind a ratio, then *note* if any."""
    times = f"{min(samples[candidate]):,.0f} vs {min(samples[baseline]):,.0f} ns/event"
    return f"{times}; {note}" if note else times


# -- baselines --------------------------------------------------------------------

_SYMBOL: Final = {
    "thinking": "…", "reasoning": "∴", "tool_start": "⚙", "tool_end": "✓", "usage": "Σ",
    "turn_start": "↻", "turn_end": "↺", "intent": "→", "todo": "☐", "done": "■", "error": "✗",
    "run_start": "▶", "run_end": "■", "node_start": "→", "node_end": "←", "node_error": "✗",
    "state_update": "◇", "task_start": "●", "task_complete": "✓", "task_failed": "✗",
    "task_skipped": "○", "progress": "⋯", "interrupt": "⏸", "resume": "⏵",
}  # fmt: skip
_STYLE: Final = {
    "thinking": "dim", "reasoning": "dim italic", "tool_start": "cyan", "tool_end": "green",
    "usage": "dim", "turn_start": "blue", "turn_end": "blue", "intent": "italic",
    "todo": "yellow", "done": "bold green", "error": "bold red", "run_start": "bold blue",
    "run_end": "bold blue", "node_start": "cyan", "node_end": "dim cyan",
    "node_error": "bold red", "state_update": "dim", "task_start": "bold yellow",
    "task_complete": "bold green", "task_failed": "bold red", "task_skipped": "dim",
    "progress": "dim", "interrupt": "bold magenta", "resume": "magenta",
}  # fmt: skip
# What Rich emits for those styles, written out once: the f-string baseline's prefixes.
_SGR: Final = {
    "dim": "2", "dim italic": "2;3", "cyan": "36", "green": "32", "blue": "34", "italic": "3",
    "yellow": "33", "bold green": "1;32", "bold red": "1;31", "bold blue": "1;34",
    "dim cyan": "2;36", "bold yellow": "1;33", "bold magenta": "1;35", "magenta": "35",
}  # fmt: skip
_PREFIX: Final = {etype: f"\x1b[{_SGR[style]}m{_SYMBOL[etype]} " for etype, style in _STYLE.items()}
_RESET: Final = "\x1b[0m"


def _wire(event: Any) -> dict[str, Any]:
    return event if type(event) is dict else event.to_dict()


def _line_text(d: dict[str, Any]) -> str:
    """The body of a one-line rendering of a non-token event: [node] text (timing)."""
    body = d.get("message") or d.get("content") or d.get("tool") or d.get("error") or d["type"]
    node = d.get("node_name")
    text = f"[{node}] {body}" if node else str(body)
    took = d.get("duration_ms")
    if took is None:
        took = d.get("latency_ms")
    return text if took is None else f"{text} ({took:.0f}ms)"


class NaiveRich:
    """The naive Rich way: a ``Text`` per event, ``Console.print`` into a capture."""

    def __init__(self) -> None:
        self.console = _capture_console()

    def __call__(self, event: Any) -> str:
        d = _wire(event)
        etype = d["type"]
        if etype == "token":
            text, end = Text(d.get("content") or ""), ""
        else:
            symbol = _SYMBOL.get(etype, "•")
            text, end = Text(f"{symbol} {_line_text(d)}", style=_STYLE.get(etype, "")), "\n"
        with self.console.capture() as capture:
            self.console.print(text, end=end)
        return capture.get()


def fstring_line(event: Any) -> str:
    """The limit of building a line: an f-string with a pre-rendered ANSI prefix."""
    d = _wire(event)
    etype = d["type"]
    if etype == "token":
        return d.get("content") or ""
    return f"{_PREFIX.get(etype, '• ')}{_line_text(d)}{_RESET}"


def stdlib_json_dumps(event: Any) -> str:
    """What a stdlib formatter does: ``json.dumps(to_dict(), default=str)``."""
    return json.dumps(_wire(event), default=str)


def _capture_console() -> Console:
    """A colour terminal console writing to a ``StringIO`` (whatever ``NO_COLOR`` says)."""
    return Console(
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        no_color=False,
        width=120,
    )


class NullStream(io.TextIOBase):
    """A text stream that discards what is written to it."""

    def write(self, s: str) -> int:
        """Discard *s*."""
        return len(s)

    def writable(self) -> bool:
        """Always ``True``."""
        return True


# -- in-process rows ---------------------------------------------------------------


def _executor() -> Any | None:
    try:
        import ai_infra_executor
    except ImportError:
        return None
    return ai_infra_executor


def _same_json(outputs: Iterable[tuple[str, str]]) -> int:
    """How many (candidate, baseline) JSON texts decode to different values."""
    return sum(1 for a, b in outputs if json.loads(a) != json.loads(b))


def bench_json(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The three JsonFormatter rows: objects vs stdlib, dicts vs stdlib, dicts vs orjson."""
    fmt = JsonFormatter()
    row = rows["json_objects"]
    mismatches = _same_json((fmt.format(o), stdlib_json_dumps(o)) for o in corpus.objects)
    samples = interleave(
        {
            "candidate": (fmt.format, corpus.objects),
            "baseline": (stdlib_json_dumps, corpus.objects),
        },
        rounds,
    )
    row.detail = {"timing": _timing_detail(samples), "output_mismatches": mismatches}
    note = f"{mismatches} outputs differ from the baseline's" if mismatches else ""
    row.judge(
        faster_ratio(samples, "baseline"),
        extra_ok=mismatches == 0,
        note=times_note(samples, "baseline", note=note),
    )

    # Like is compared with like: format() gives str as json.dumps does,
    # format_bytes() gives bytes as orjson.dumps does.
    mismatches = _same_json((fmt.format(d), stdlib_json_dumps(d)) for d in corpus.dicts)
    mismatches += sum(1 for d in corpus.dicts if fmt.format_bytes(d) != orjson.dumps(d))
    samples = interleave(
        {
            "format": (fmt.format, corpus.dicts),
            "format_bytes": (fmt.format_bytes, corpus.dicts),
            "stdlib": (stdlib_json_dumps, corpus.dicts),
            "orjson": (orjson.dumps, corpus.dicts),
        },
        rounds,
    )
    detail = {"timing": _timing_detail(samples), "output_mismatches": mismatches}
    for row_id, candidate, baseline in (
        ("json_dicts_stdlib", "format", "stdlib"),
        ("json_dicts_orjson", "format_bytes", "orjson"),
    ):
        rows[row_id].detail = detail
        rows[row_id].judge(
            faster_ratio(samples, baseline, candidate),
            extra_ok=mismatches == 0,
            note=times_note(samples, baseline, candidate),
        )


# -- json_objects_upstream: ai-infra's own JsonFormatter on its own event objects ---


def upstream_objects(corpus: Corpus) -> tuple[list[Any], Callable[[Any], str]] | str:
    """The corpus as ai-infra's own event objects, and its ``JsonFormatter().format``.

    Core types become 1.19's ``StreamEvent``; the executor lifecycle types
    become 1.5.2's ``ExecutorStreamEvent`` (1.19 has no stdlib-only executor
    event), whose fields are the same but for ``error``, which that version's
    builders put under ``data["error"]``, as done here. A sentence saying why
    when a module cannot be had.
    """
    modules = [upstream.load(name) for name in ("formatters", "streaming", "executor_streaming")]
    missing = [m for m in modules if isinstance(m, str)]
    if missing:
        return "; ".join(missing)
    formatters, streaming, executor_streaming = modules
    assert not isinstance(formatters, str)
    assert not isinstance(streaming, str)
    assert not isinstance(executor_streaming, str)
    core_cls = streaming.StreamEvent
    exec_cls = executor_streaming.ExecutorStreamEvent
    kinds = executor_streaming.StreamEventType
    objects: list[Any] = []
    for spec in corpus.specs:
        if spec.type in CORE_TYPES:
            objects.append(core_cls(type=spec.type, **spec.fields))
            continue
        fields = dict(spec.fields)
        error = fields.pop("error", None)
        if error is not None:
            fields["data"] = {**fields.get("data", {}), "error": error}
        objects.append(exec_cls(event_type=kinds(spec.type), **fields))
    return objects, formatters.JsonFormatter().format


def _type_of_line(text: str) -> object:
    fields = json.loads(text)
    return fields.get("type", fields.get("event_type"))


def bench_json_upstream(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """Our JsonFormatter on the corpus's objects vs ai-infra's on its own objects.

    The two outputs differ by design (upstream's executor events write every
    field, ``None`` too, and ``data["error"]``); checked on the way: each side
    gives one JSON line per event, of the same event type.
    """
    row = rows["json_objects_upstream"]
    if corpus.source != "ai_infra_executor":
        row.skip("the corpus is not made of ai_infra_executor's event classes")
        return
    made = upstream_objects(corpus)
    if isinstance(made, str):
        row.skip(made)
        return
    theirs, upstream_format = made
    fmt = JsonFormatter()
    differ = sum(
        _type_of_line(fmt.format(ours)) != _type_of_line(upstream_format(other))
        for ours, other in zip(corpus.objects, theirs, strict=True)
    )
    samples = interleave(
        {"candidate": (fmt.format, corpus.objects), "upstream": (upstream_format, theirs)},
        rounds,
    )
    row.detail = {"timing": _timing_detail(samples), "lines_of_another_type": differ}
    note = f"{differ} lines differ in type" if differ else ""
    row.judge(
        faster_ratio(samples, "upstream"),
        extra_ok=differ == 0,
        note=times_note(samples, "upstream", note=note),
    )


#: Characters a terminal acts on that JSON output must escape (issue 10): DEL, C1
#: controls, bidi controls, U+2028/U+2029 and the tag characters.
TERMINAL_CONTROLS: Final = TERMINAL_ACTIVE
#: What :func:`with_controls` puts into a token, in turn: a CSI, an RTL override,
#: an isolate, a tag character, DEL, a line separator, NEL, the Arabic letter mark.
_INJECTED: Final = ("\x9b", "\u202e", "\u2066", "\U000e0041", "\x7f", "\u2028", "\x85", "\u061c")


def with_controls(dicts: Sequence[dict[str, Any]], every: int = 20) -> list[dict[str, Any]]:
    """*dicts* with one token in *every* (5% by default) carrying a control character.

    The character goes after the token's first character, a different one each
    time (see :data:`_INJECTED`); the other dicts are the same objects.
    """
    out: list[dict[str, Any]] = []
    tokens = 0
    for d in dicts:
        if d.get("type") != "token":
            out.append(d)
            continue
        if tokens % every == 0:
            content = str(d.get("content") or "")
            char = _INJECTED[(tokens // every) % len(_INJECTED)]
            out.append({**d, "content": f"{content[:1]}{char}{content[1:]}"})
        else:
            out.append(d)
        tokens += 1
    return out


def _raw_controls(text: str) -> int:
    return sum(1 for ch in text if ord(ch) in TERMINAL_CONTROLS)


def bench_json_escaping(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The cost of escaping terminal controls: format_bytes on a hostile variant vs clean.

    The hostile variant is the corpus with 5% of its token lines carrying one
    character JSON output must escape (:func:`with_controls`); only those lines
    take the slow path. Checked on the way: every hostile line decodes to the
    same data as orjson's own output and holds none of those characters raw.

    The target, 1.25x: with about 70% of the events tokens, 3.5% of the lines
    are hostile, so 1.25x lets each cost up to about 8 clean lines (finding
    and replacing the character in a short line costs about 4). A slow path
    that leaked into clean lines, or a search per character, would miss it.
    What the clean lines pay is the json_dicts_orjson row's business.
    """
    row = rows["json_escape_cost"]
    fmt = JsonFormatter()
    hostile = with_controls(corpus.dicts)
    changed = sum(1 for a, b in zip(hostile, corpus.dicts, strict=True) if a is not b)
    tokens = sum(1 for d in corpus.dicts if d.get("type") == "token")
    # One output at a time: thousands of orjson results kept at once cost ~4 kB
    # each here, which would show in the peak RSS of the rows after this one.
    wrong = raw = 0
    for d in hostile:
        out = fmt.format_bytes(d)
        wrong += orjson.loads(out) != orjson.loads(orjson.dumps(d))
        raw += _raw_controls(out.decode("utf-8"))
    samples = interleave(
        {"hostile": (fmt.format_bytes, hostile), "clean": (fmt.format_bytes, corpus.dicts)},
        rounds,
    )
    row.detail = {
        "timing": _timing_detail(samples),
        "hostile_lines": changed,
        "token_lines": tokens,
        "lines_not_decoding_to_the_same_data": wrong,
        "raw_controls_in_output": raw,
    }
    problems = []
    if wrong:
        problems.append(f"{wrong} lines decode to other data")
    if raw:
        problems.append(f"{raw} raw control characters in the output")
    if not changed:
        problems.append("the corpus has no token to put a control character in")
    row.judge(
        min(samples["hostile"]) / min(samples["clean"]),
        extra_ok=not problems,
        note=times_note(samples, "clean", "hostile", "; ".join(problems)),
    )


def console_formatters() -> tuple[ConsoleFormatter, ConsoleFormatter]:
    """The plain and rich ConsoleFormatters under test, colours on (truecolor terminal)."""
    plain = ConsoleFormatter("plain", colors_enabled=True, console=_capture_console())
    rich = ConsoleFormatter("rich", colors_enabled=True, console=_capture_console())
    return plain, rich


def bench_console(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The console rows: plain and rich layouts vs the naive Rich way and the f-string limit."""
    plain, rich = console_formatters()
    coloured = sum(1 for o in corpus.objects if "\x1b[" in plain.format(o))
    samples = interleave(
        {
            "plain": (plain.format, corpus.objects),
            "rich": (rich.format, corpus.objects),
            "naive_rich": (NaiveRich(), corpus.objects),
            "fstring": (fstring_line, corpus.objects),
        },
        rounds,
    )
    detail = {"timing": _timing_detail(samples), "events_with_ansi_codes": coloured}
    note = "" if coloured else "the formatter emitted no colour codes"
    for row_id, candidate, baseline in (
        ("console_plain_naive", "plain", "naive_rich"),
        ("console_plain_fstring", "plain", "fstring"),
        ("console_rich_naive", "rich", "naive_rich"),
    ):
        rows[row_id].detail = detail
        rows[row_id].judge(
            faster_ratio(samples, baseline, candidate),
            extra_ok=coloured > 0,
            note=times_note(samples, baseline, candidate, note),
        )


# -- console vs upstream (issue 12) ------------------------------------------------

#: The upstream rows: row id -> which events of the corpus it times (None: all).
_UPSTREAM_CONSOLE_SLICES: Final[dict[str, frozenset[str] | None]] = {
    "console_plain_upstream": None,
    "console_plain_upstream_tokens": frozenset({"token"}),
    "console_plain_upstream_tools": frozenset({"tool_start", "tool_end"}),
}


def bench_console_upstream(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The plain layout (colours on) vs ai-infra 1.19's ``PlainFormatter(colors_enabled=True)``.

    Both format the same corpus objects in the same process, interleaved: the whole
    corpus, its token events alone, its tool_start/tool_end events alone. Skipped,
    with :func:`upstream.load`'s message, when the upstream module cannot be had, and
    on the fallback corpus (no ai_infra_executor), whose events upstream cannot read.
    """
    loaded = upstream.load("formatters")
    if isinstance(loaded, str) or corpus.source != "ai_infra_executor":
        why = loaded if isinstance(loaded, str) else (
            "ai-infra 1.19's PlainFormatter reads event attributes; the bench's fallback "
            "events (no ai_infra_executor) keep their fields in .fields"
        )  # fmt: skip
        for row_id in _UPSTREAM_CONSOLE_SLICES:
            rows[row_id].skip(why)
        return
    theirs = loaded.PlainFormatter(colors_enabled=True)
    plain, _ = console_formatters()
    cases: dict[str, Case] = {}
    for row_id, types in _UPSTREAM_CONSOLE_SLICES.items():
        events = [
            o
            for o, spec in zip(corpus.objects, corpus.specs, strict=True)
            if types is None or spec.type in types
        ]
        cases[f"{row_id}:ours"] = (plain.format, events)
        cases[f"{row_id}:upstream"] = (theirs.format, events)
    samples = interleave(cases, rounds)
    for row_id in _UPSTREAM_CONSOLE_SLICES:
        mine = {k.partition(":")[2]: v for k, v in samples.items() if k.startswith(f"{row_id}:")}
        row = rows[row_id]
        row.detail = {"timing": _timing_detail(mine), "events": len(cases[f"{row_id}:ours"][1])}
        row.judge(faster_ratio(mine, "upstream", "ours"), note=times_note(mine, "upstream", "ours"))


def pipeline_cases(corpus: Corpus) -> tuple[Case, Case] | None:
    """(pipeline, baseline) for the executor row, or ``None`` without ai_infra_executor.

    The pipeline is what an executor does with each core event its agent yields
    (the core events of the corpus): wrap it with
    ``ExecutorStreamEvent.from_core_event(event, node_name=...)`` and hand it to
    the executor's ``stream_to_console`` with the ``json_output()`` preset
    writing to a discarding stream. The baseline is the formatter that preset
    picks (the executor's ``get_formatter``), alone, on the dicts of the same
    wrapped events made beforehand.
    """
    executor = _executor()
    if executor is None or corpus.source != "ai_infra_executor":
        return None
    wrap = executor.ExecutorStreamEvent.from_core_event
    config = dataclasses.replace(
        executor.ExecutorStreamConfig.json_output(), output_stream=NullStream()
    )
    emit = executor.stream_to_console
    core = [
        o for o, spec in zip(corpus.objects, corpus.specs, strict=True) if spec.type in CORE_TYPES
    ]

    def pipeline(event: Any) -> None:
        emit(wrap(event, node_name="execute_task"), config)

    ready = [wrap(e, node_name="execute_task").to_dict() for e in core]
    return (pipeline, core), (executor.get_formatter(config).format, ready)


def bench_pipeline(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The executor pipeline row (skipped without ai_infra_executor).

    Also timed, for the record: the pipeline without the writer (wrap, then the
    same formatter), so the detail says how much of the pipeline the writer and
    ``stream_to_console`` take. Checked on the way: what the pipeline writes is
    byte for byte the formatter's lines of the ready dicts.
    """
    row = rows["executor_pipeline"]
    cases = pipeline_cases(corpus)
    if cases is None:
        row.skip("ai_infra_executor is not importable")
        return
    (_, core), (format_ready, ready) = cases
    executor = _executor()
    assert executor is not None
    wrap = executor.ExecutorStreamEvent.from_core_event
    written = io.StringIO()
    config = dataclasses.replace(executor.ExecutorStreamConfig.json_output(), output_stream=written)
    for event in core:
        executor.stream_to_console(wrap(event, node_name="execute_task"), config)
    lines = written.getvalue().split("\n")
    expected = [format_ready(d) for d in ready]
    mismatches = abs(len(lines) - 1 - len(expected)) + sum(
        a != b for a, b in zip(lines, expected, strict=False)
    )

    def without_writer(event: Any) -> None:
        format_ready(wrap(event, node_name="execute_task"))

    samples = interleave(
        {"candidate": cases[0], "baseline": cases[1], "without_writer": (without_writer, core)},
        rounds,
    )
    whole = min(samples["candidate"])
    writer_share = 1 - min(samples["without_writer"]) / whole
    row.detail = {
        "timing": _timing_detail(samples),
        "events": len(core),
        "writer_share": round(writer_share, 3),
        "output_mismatches": mismatches,
    }
    note = f"writer and stream_to_console {writer_share:.0%} of it"
    if mismatches:
        note += f"; {mismatches} lines differ from the formatter's"
    row.judge(
        faster_ratio(samples, "baseline"),
        extra_ok=mismatches == 0,
        note=times_note(samples, "baseline", note=note),
    )


# -- whole-process rows ------------------------------------------------------------

_MODULES_MARK: Final = "BENCH-MODULES"
_REPORT_MODULES: Final = (
    "\nimport sys as _bench_sys\n"
    f"_bench_sys.stderr.write('{_MODULES_MARK} ' + ' '.join(sorted("
    "{m.partition('.')[0] for m in _bench_sys.modules})) + '\\n')\n"
)
_BASELINE_CODE: Final = "import orjson"
_FORMATTERS_CODE: Final = (
    "import sys, ai_infra_formatters\n"
    "sys.stdout.write(ai_infra_formatters.JsonFormatter().format("
    "{'type': 'token', 'content': 'hi'}) + '\\n')"
)
_EXECUTOR_CODE: Final = "import ai_infra_executor"


def _run_code(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def _time_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return (time.perf_counter() - start) * 1000.0


def loaded_modules(code: str) -> set[str]:
    """Top-level module names in ``sys.modules`` after running *code* in a fresh process.

    Raises:
        RuntimeError: the process failed (its stderr is in the message).
    """
    done = _run_code(code + _REPORT_MODULES)
    if done.returncode != 0:
        raise RuntimeError(f"python -c {code!r} failed:\n{done.stderr.strip()}")
    for line in done.stderr.splitlines():
        if line.startswith(_MODULES_MARK):
            return set(line.split()[1:])
    raise RuntimeError(f"python -c {code!r} printed no module list")


def bench_imports(rows: dict[str, Row], reps: int) -> None:
    """The import-cost rows: whole processes, interleaved, medians compared."""
    checks = {
        "import_formatters": (_FORMATTERS_CODE, ("rich",)),
        "import_executor": (_EXECUTOR_CODE, ("rich", "langgraph")),
    }
    codes = {"baseline": _BASELINE_CODE}
    modules: dict[str, set[str]] = {}
    for row_id, (code, _) in checks.items():
        if row_id == "import_executor" and importlib.util.find_spec("ai_infra_executor") is None:
            rows[row_id].skip("ai_infra_executor is not installed")
            continue
        try:
            modules[row_id] = loaded_modules(code)  # also compiles the bytecode: a warm-up
        except RuntimeError as exc:
            rows[row_id].status = "error"
            rows[row_id].note = str(exc).splitlines()[-1]
            rows[row_id].detail = {"error": str(exc)}
            continue
        codes[row_id] = code
    if len(codes) == 1:
        return
    loaded_modules(_BASELINE_CODE)
    times: dict[str, list[float]] = {name: [] for name in codes}
    names = list(codes)
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(_time_process(codes[name]))
    base = statistics.median(times["baseline"])
    for row_id, (_, forbidden) in checks.items():
        if row_id not in codes:
            continue
        cost = statistics.median(times[row_id])
        present = sorted(m for m in forbidden if m in modules[row_id])
        watched = ("rich", "langgraph", "langchain_core", "pydantic", "json", "dataclasses",
                   "decimal", "pathlib", "inspect", "threading", "weakref", "re")  # fmt: skip
        rows[row_id].detail = {
            "median_ms": round(cost, 2),
            "baseline_median_ms": round(base, 2),
            "min_ms": round(min(times[row_id]), 2),
            "baseline_min_ms": round(min(times["baseline"]), 2),
            "processes": reps,
            "forbidden_loaded": present,
            "watched_loaded": sorted(m for m in watched if m in modules[row_id]),
        }
        rows[row_id].judge(
            cost / base,
            extra_ok=not present,
            note=f"{', '.join(present)} in sys.modules" if present else "",
        )


def _cli_command() -> list[str] | None:
    if importlib.util.find_spec("ai_infra_formatters.cli") is None:
        return None
    script = Path(sys.executable).with_name("ai-infra-format")
    if script.exists():
        return [str(script)]
    found = shutil.which("ai-infra-format")
    return [found] if found else None


def write_ndjson_log(path: Path, corpus: Corpus, megabytes: float) -> int:
    """Write the corpus's dicts as NDJSON to *path*, repeated until it is *megabytes* long.

    Returns the number of bytes written (whole lines, so a little over the size).
    """
    block = b"".join(orjson.dumps(d) + b"\n" for d in corpus.dicts)
    want = int(megabytes * 1_000_000)
    written = 0
    with path.open("wb") as out:
        while written < want:
            chunk = block if want - written >= len(block) else _whole_lines(block, want - written)
            out.write(chunk)
            written += len(chunk)
    return written


def _whole_lines(block: bytes, size: int) -> bytes:
    end = block.find(b"\n", size)
    return block if end < 0 else block[: end + 1]


# Runs a command and reports its own peak RSS. The measuring process must be small:
# Linux gives a child, at fork or exec, the high-water mark of the process it came
# from, so a child of this (large) harness reads at least the harness's size. This
# launcher is a fresh interpreter of a few MB; its child's ru_maxrss is the child's.
_LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
elapsed = time.perf_counter() - start
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as out:
    json.dump({"returncode": code, "seconds": elapsed, "maxrss": kb}, out)
"""


def _maxrss_mb(maxrss: float) -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return float(maxrss) / scale


def child_peak(command: Sequence[str], stdout: Any, stderr: Any) -> tuple[int, float, float]:
    """Run *command*; its exit status, its own peak RSS in MB and its wall time in s.

    The command is started by a small launcher process (see ``_LAUNCHER``), so the
    figure is the command's own memory, not this harness's.
    """
    with tempfile.TemporaryDirectory(prefix="ai-infra-peak-") as tmp:
        report = Path(tmp) / "peak.json"
        subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(report), *command],
            stdout=stdout,
            stderr=stderr,
            check=True,
        )
        measured = json.loads(report.read_text("utf-8"))
    return measured["returncode"], _maxrss_mb(measured["maxrss"]), measured["seconds"]


def bench_cli(rows: dict[str, Row], corpus: Corpus, megabytes: float) -> None:
    """The CLI row: render a generated NDJSON log to /dev/null; peak RSS and MB/s."""
    row = rows["cli_ndjson"]
    command = _cli_command()
    if command is None:
        row.skip("the ai-infra-format CLI (ai_infra_formatters.cli) is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="ai-infra-bench-") as tmp:
        log = Path(tmp) / "run.ndjson"
        size = write_ndjson_log(log, corpus, megabytes)
        err_path = Path(tmp) / "stderr.txt"
        with open(os.devnull, "wb") as devnull, err_path.open("wb") as err:
            returncode, peak, elapsed = child_peak(
                [*command, "--format", "plain", "--no-color", str(log)], devnull, err
            )
        stderr = err_path.read_text("utf-8", "replace").strip()
    lines = corpus_lines_in(size, corpus)
    row.detail = {
        "log_bytes": size,
        "log_mb": round(size / 1e6, 2),
        "lines": lines,
        "seconds": round(elapsed, 3),
        "mb_per_s": round(size / 1e6 / elapsed, 2),
        "events_per_s": round(lines / elapsed),
        "peak_rss_mb": round(peak, 1),
        "returncode": returncode,
    }
    if returncode != 0:
        row.status = "error"
        row.value = peak
        row.note = f"exit status {returncode}: {stderr.splitlines()[-1] if stderr else ''}"
        row.detail["stderr"] = stderr[-4000:]
        return
    row.judge(peak, note=f"{row.detail['mb_per_s']} MB/s")


def corpus_lines_in(size: int, corpus: Corpus) -> int:
    """How many NDJSON lines :func:`write_ndjson_log` wrote for a log of *size* bytes."""
    lengths = [len(orjson.dumps(d)) + 1 for d in corpus.dicts]
    block = sum(lengths)
    full, rest = divmod(size, block)
    lines = full * len(lengths)
    for n in lengths:
        if rest <= 0:
            break
        rest -= n
        lines += 1
    return lines


# -- issue 12: escaping a huge token, and the writer's cost on a file ------------------

#: The size of the token of the escape_10mb_token row, and how often it holds an
#: unsafe character (one in this many characters).
ESCAPE_TOKEN_CHARS: Final = 10_000_000
ESCAPE_EVERY: Final = 25


def escape_token(chars: int = ESCAPE_TOKEN_CHARS, every: int = ESCAPE_EVERY) -> str:
    """Text of *chars* characters: printable ASCII with one terminal-unsafe character
    in every *every*, taken in turn from :data:`_INJECTED` (ESC-like controls, a C1
    CSI, bidi controls, a tag character, DEL, a line separator)."""
    safe = "The quick brown fox jumps over the lazy dog. "
    run = (safe * (every // len(safe) + 1))[: every - 1]
    pieces = [run + char for char in _INJECTED]
    block = "".join(pieces)
    count = chars // len(block) + 1
    return (block * count)[:chars]


def _old_safe_text(text: str) -> str:
    """``safe_text`` as it was before issue 12: one ``str.translate`` with the table."""
    from ai_infra_formatters.text_safety import _TEXT_TABLE

    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TEXT_TABLE)


def _replace_each(text: str) -> str:
    """The floor of any escaping: one C-speed ``str.replace`` per unsafe character used."""
    for char in _INJECTED:
        text = text.replace(char, "?")
    return text


def bench_escape_token(rows: dict[str, Row], rounds: int) -> None:
    """The escape_10mb_token row: seconds for ConsoleFormatter plain to format one
    10 MB token with an unsafe character every 25 characters.

    The target is absolute (0.3 s), so the note and detail also give it as a
    ratio to two same-run baselines on the same text: the old ``str.translate``
    implementation (how many times faster the formatter is) and one
    ``str.replace`` per unsafe character (what it costs in those). The output
    must be the old implementation's, character for character.
    """
    row = rows["escape_10mb_token"]
    plain, _ = console_formatters()
    text = escape_token()
    event = {"type": "token", "content": text}
    same = plain.format(event) == _old_safe_text(text)
    samples = interleave(
        {
            "format": (plain.format, [event]),
            "old_translate": (_old_safe_text, [text]),
            "str_replace": (_replace_each, [text]),
        },
        rounds,
    )
    seconds = min(samples["format"]) / 1e9
    faster = faster_ratio(samples, "old_translate", "format")
    cost = min(samples["format"]) / min(samples["str_replace"])
    row.detail = {
        "chars": len(text),
        "unsafe_chars": len(text) // ESCAPE_EVERY,
        "seconds": {name: round(min(v) / 1e9, 4) for name, v in samples.items()},
        "faster_than_old_translate": round(faster, 2),
        "cost_in_str_replace": round(cost, 2),
        "same_output_as_old": same,
    }
    note = f"{faster:.1f}x the old translate, {cost:.1f}x str.replace"
    row.judge(
        seconds,
        extra_ok=same,
        note=note if same else f"{note}; output differs from the old implementation's",
    )


def bench_stream_file(rows: dict[str, Row], corpus: Corpus, rounds: int) -> None:
    """The stream_to_console_file row: stream_to_console over the corpus into a real
    temporary file, against the same formatter's ``format()`` alone.

    Checked on the way: a pass written to a fresh file reads back exactly as the
    same events written by an ``EventWriter`` into a ``StringIO`` (nothing lost,
    nothing reordered by the deferred flushes).
    """
    from ai_infra_formatters import EventWriter, stream_to_console
    from ai_infra_formatters.writer import writer_for

    row = rows["stream_to_console_file"]
    plain, _ = console_formatters()
    expected = io.StringIO()
    reference = EventWriter(expected)
    for event in corpus.objects:
        reference.write(event, plain)
    reference.end_line()
    with tempfile.TemporaryDirectory(prefix="ai-infra-bench-") as tmp:
        check = Path(tmp) / "check.txt"
        with check.open("w", encoding="utf-8") as out:
            for event in corpus.objects:
                stream_to_console(event, formatter=plain, stream=out)
            writer_for(out).end_line()
        same = check.read_text("utf-8") == expected.getvalue()
        path = Path(tmp) / "events.txt"
        with path.open("w", encoding="utf-8") as out:

            def emit(event: Any) -> None:
                stream_to_console(event, formatter=plain, stream=out)

            samples = interleave(
                {
                    "stream_to_console": (emit, corpus.objects),
                    "format": (plain.format, corpus.objects),
                },
                rounds,
            )
        size = path.stat().st_size
    row.detail = {
        "timing": _timing_detail(samples),
        "bytes_written": size,
        "same_text_as_a_stringio": same,
    }
    note = "" if same else "the file's text differs from the events written to a StringIO"
    row.judge(
        faster_ratio(samples, "format", "stream_to_console"),
        extra_ok=same,
        note=times_note(samples, "format", "stream_to_console", note),
    )


# -- CLI throughput ------------------------------------------------------------------
#
# ai-infra-format over the generated log against the least a Python program can do
# with each line: parse it and serialise it again with orjson. Both sides are whole
# child processes writing to /dev/null (interpreter start and imports included),
# interleaved round by round; the best run of each is compared. The figure is CPU
# time (user + system, from wait4): on a shared machine a process's wall time also
# counts the time it waited for a core. Wall times are in the detail.

#: Runs of each command; the log is big (200 MB in a full run), so few are enough.
CLI_THROUGHPUT_ROUNDS: Final = 2

#: The baseline: every line of the log (argv[1]) through orjson.loads and orjson.dumps.
_ORJSON_LOOP = """
import sys, orjson
loads, dumps, out = orjson.loads, orjson.dumps, sys.stdout.buffer
with open(sys.argv[1], "rb") as log:
    for line in log:
        out.write(dumps(loads(line)) + b"\\n")
out.flush()
"""

#: What each side runs, after the CLI command or the interpreter: (row id or baseline, args).
_CLI_THROUGHPUT_CASES: Final = {
    "baseline": (),
    "cli_json_throughput": ("--format", "json"),
    "cli_plain_throughput": ("--format", "plain", "--no-color"),
}


def _time_child(command: Sequence[str], stderr: Any) -> tuple[int, float, float | None]:
    """Run *command* with stdout to /dev/null: its exit status, wall time and CPU time (s).

    The CPU time (user + system) is ``None`` where ``os.wait4`` is missing (Windows).
    The child runs without ``PYTHONUNBUFFERED``, which would make the baseline's
    per-line writes system calls: both sides run as a user's shell runs them.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    if not hasattr(os, "wait4"):
        returncode = proc.wait()
        return returncode, time.perf_counter() - start, None
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, elapsed, usage.ru_utime + usage.ru_stime


def bench_cli_throughput(
    rows: dict[str, Row], corpus: Corpus, megabytes: float, rounds: int
) -> None:
    """The CLI throughput rows: ai-infra-format (json, plain) vs an orjson loop, as processes."""
    command = _cli_command()
    if command is None:
        for row_id in ("cli_json_throughput", "cli_plain_throughput"):
            rows[row_id].skip("the ai-infra-format CLI (ai_infra_formatters.cli) is not installed")
        return
    names = list(_CLI_THROUGHPUT_CASES)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    failed: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="ai-infra-bench-") as tmp:
        log = Path(tmp) / "run.ndjson"
        size = write_ndjson_log(log, corpus, megabytes)
        commands = {
            name: [*command, *args, str(log)] if args else [sys.executable, "-c", _ORJSON_LOOP,
                                                             str(log)]
            for name, args in _CLI_THROUGHPUT_CASES.items()
        }  # fmt: skip
        err_path = Path(tmp) / "stderr.txt"
        for r in range(rounds):
            k = r % len(names)
            for name in names[k:] + names[:k]:
                with err_path.open("wb") as err:
                    returncode, elapsed, used = _time_child(commands[name], err)
                wall[name].append(elapsed)
                if used is not None:
                    cpu[name].append(used)
                if returncode != 0 and name not in failed:
                    stderr = err_path.read_text("utf-8", "replace").strip()
                    failed[name] = f"exit status {returncode}: {stderr[-2000:]}"
    if "baseline" in failed:
        raise RuntimeError(f"the orjson baseline failed: {failed['baseline']}")
    times = cpu if cpu["baseline"] else wall
    measure = "CPU" if times is cpu else "wall"
    base = min(times["baseline"])
    for row_id in ("cli_json_throughput", "cli_plain_throughput"):
        row = rows[row_id]
        best = min(times[row_id])
        row.detail = {
            "log_mb": round(size / 1e6, 2),
            "measure": f"{measure} seconds of the child, best of {rounds}",
            "cpu_seconds": [round(s, 3) for s in cpu[row_id]],
            "baseline_cpu_seconds": [round(s, 3) for s in cpu["baseline"]],
            "wall_seconds": [round(s, 3) for s in wall[row_id]],
            "baseline_wall_seconds": [round(s, 3) for s in wall["baseline"]],
            "mb_per_s": round(size / 1e6 / min(wall[row_id]), 2),
            "baseline_mb_per_s": round(size / 1e6 / min(wall["baseline"]), 2),
            "wall_ratio": round(min(wall["baseline"]) / min(wall[row_id]), 3),
            "runs": rounds,
        }
        if row_id in failed:
            row.status = "error"
            row.value = base / best
            row.note = failed[row_id].splitlines()[0]
            row.detail["stderr"] = failed[row_id]
            continue
        row.judge(base / best, note=f"{best:.2f} vs {base:.2f} s {measure}, best of {rounds}")


# -- profiling --------------------------------------------------------------------

PROFILE_TARGETS: Final = {
    "json_objects": "json_objects",
    "json_dicts": "json_dicts",
    "json_dicts_stdlib": "json_dicts",
    "json_dicts_orjson": "json_dicts",
    "json_escape_cost": "json_hostile",
    "json_hostile": "json_hostile",
    "console_plain": "console_plain",
    "console_plain_naive": "console_plain",
    "console_plain_fstring": "console_plain",
    "console_rich": "console_rich",
    "console_rich_naive": "console_rich",
    "executor_pipeline": "executor_pipeline",
}


def profile(target: str, corpus: Corpus, top: int) -> str:
    """cProfile one pass of the measured side of *target* over the corpus; the top functions.

    Args:
        target: a key of :data:`PROFILE_TARGETS` (a row id or the name of what it measures).
        corpus: the events.
        top: how many functions to list (by own time).
    """
    plain, rich = console_formatters()
    cases: dict[str, Case] = {
        "json_objects": (JsonFormatter().format, corpus.objects),
        "json_dicts": (JsonFormatter().format, corpus.dicts),
        "json_hostile": (JsonFormatter().format_bytes, with_controls(corpus.dicts)),
        "console_plain": (plain.format, corpus.objects),
        "console_rich": (rich.format, corpus.objects),
    }
    pipeline = pipeline_cases(corpus)
    if pipeline is not None:
        cases["executor_pipeline"] = pipeline[0]
    name = PROFILE_TARGETS.get(target)
    if name is None or name not in cases:
        raise SystemExit(f"cannot profile {target!r}; choose one of {', '.join(cases)}")
    fn, items = cases[name]
    one_pass(fn, items)
    profiler = cProfile.Profile()
    profiler.enable()
    for item in items:
        fn(item)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return f"profile of {name} over {len(items)} events\n{out.getvalue()}"


# -- report ------------------------------------------------------------------------


def _shown(row: Row) -> str:
    if row.value is None:
        return "-"
    if row.unit == "MB":
        return f"{row.value:.1f} MB"
    if row.unit == "s":
        return f"{row.value:.3f} s"
    return f"{row.value:.2f}x"


#: How the target column writes each unit after the number.
_UNIT_SUFFIX: Final = {"x": "x", "MB": " MB", "s": " s"}


def render_table(rows: Iterable[Row]) -> str:
    """The result table: figure, baseline, measured value, target, result."""
    header = ("figure", "baseline", "measured", "target", "result")
    lines = [
        (
            row.figure,
            row.baseline,
            _shown(row),
            f"{row.op} {row.target:g}{_UNIT_SUFFIX[row.unit]}",
            row.status.upper() + (f"  ({row.note})" if row.note else ""),
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header[:4])]
    out = []
    for cells in (header, (*("-" * w for w in widths), "------"), *lines):
        out.append(
            "  ".join(c.ljust(w) for c, w in zip(cells[:4], widths, strict=True)) + "  " + cells[4]
        )
    return "\n".join(out)


def failing(rows: Iterable[Row]) -> list[Row]:
    """The selected rows that make an enforced run fail: missed, broken or not measured."""
    return [row for row in rows if row.selected and row.status != "pass"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny corpus, few rounds, 2 MB log; targets reported, not enforced",
    )
    parser.add_argument(
        "--events", type=int, default=None, help="corpus size (default 20000; 300 with --smoke)"
    )
    parser.add_argument("--seed", type=int, default=20240501, help="corpus seed")
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="interleaved passes per in-process case (default 7; 2 with --smoke)",
    )
    parser.add_argument(
        "--import-reps",
        type=int,
        default=None,
        help="processes per import-cost command (default 40; 4 with --smoke)",
    )
    parser.add_argument(
        "--log-mb",
        type=float,
        default=None,
        help="size of the generated NDJSON log in MB (default 200; 2 with --smoke)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated row ids (or prefixes) to run; others are skipped",
    )
    parser.add_argument(
        "--bench-events",
        action="store_true",
        help="build the corpus from bench/corpus.py's dataclasses even when "
        "ai_infra_executor is importable",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON result file")
    enforce = parser.add_mutually_exclusive_group()
    enforce.add_argument(
        "--enforce",
        dest="enforce",
        action="store_true",
        default=None,
        help="exit 1 when a target is missed (the default without --smoke)",
    )
    enforce.add_argument(
        "--no-enforce",
        dest="enforce",
        action="store_false",
        help="report missed targets but exit 0",
    )
    parser.add_argument(
        "--profile",
        metavar="ROW",
        default=None,
        help="cProfile the measured side of a row (a row id) and exit",
    )
    parser.add_argument("--profile-top", type=int, default=30, help="functions to list")
    args = parser.parse_args(argv)
    smoke = args.smoke
    defaults = {
        "events": (300, 20_000),
        "rounds": (2, 7),
        "import_reps": (4, 40),
        "log_mb": (2.0, 200.0),
    }  # (with --smoke, without)
    for name, (small, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if smoke else full)
    if args.enforce is None:
        args.enforce = not smoke
    for name in ("events", "rounds", "import_reps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.log_mb <= 0:
        parser.error("--log-mb must be positive")
    return args


def _selected(only: str | None, row_ids: Iterable[str]) -> set[str]:
    ids = list(row_ids)
    if only is None:
        return set(ids)
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    chosen = {i for i in ids if any(i == w or i.startswith(w) for w in wanted)}
    if not chosen:
        raise SystemExit(f"--only {only!r} matches no row; rows: {', '.join(ids)}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status (0 ok, 1 a target missed when enforced)."""
    args = parse_args(argv)
    corpus = build_corpus(args.events, args.seed, use_executor=not args.bench_events)
    if args.profile is not None:
        print(profile(args.profile, corpus, args.profile_top))
        return 0
    rows = make_rows()
    selected = _selected(args.only, rows)
    started = time.perf_counter()
    groups: list[tuple[tuple[str, ...], Callable[[], None]]] = [
        (("json_objects", "json_dicts_stdlib", "json_dicts_orjson"),
         lambda: bench_json(rows, corpus, args.rounds)),
        (("json_escape_cost",), lambda: bench_json_escaping(rows, corpus, args.rounds)),
        (("json_objects_upstream",), lambda: bench_json_upstream(rows, corpus, args.rounds)),
        (("console_plain_naive", "console_plain_fstring", "console_rich_naive"),
         lambda: bench_console(rows, corpus, args.rounds)),
        (tuple(_UPSTREAM_CONSOLE_SLICES),
         lambda: bench_console_upstream(rows, corpus, args.rounds)),
        (("escape_10mb_token",), lambda: bench_escape_token(rows, args.rounds)),
        (("stream_to_console_file",), lambda: bench_stream_file(rows, corpus, args.rounds)),
        (("executor_pipeline",), lambda: bench_pipeline(rows, corpus, args.rounds)),
        (("import_formatters", "import_executor"), lambda: bench_imports(rows, args.import_reps)),
        (("cli_ndjson",), lambda: bench_cli(rows, corpus, args.log_mb)),
        (("cli_json_throughput", "cli_plain_throughput"),
         lambda: bench_cli_throughput(rows, corpus, args.log_mb, CLI_THROUGHPUT_ROUNDS)),
        (("publish_redis",),
         lambda: serve_rows.bench_publish(rows["publish_redis"], args.rounds)),
        (("watchers_200", "watchers_200_replay"),
         lambda: serve_rows.bench_watchers(rows, corpus.objects, args.rounds,
                                           20 if args.smoke else serve_rows.WATCHERS)),
    ]  # fmt: skip
    for ids, run in groups:
        if not selected.intersection(ids):
            continue
        try:
            run()
        except Exception as exc:
            for row_id in ids:
                rows[row_id].status = "error"
                rows[row_id].note = f"{type(exc).__name__}: {exc}"
                rows[row_id].detail = {"traceback": traceback.format_exc()}
    for row_id in list(rows):
        if row_id not in selected:
            rows[row_id] = make_rows()[row_id]
            rows[row_id].skip("not selected (--only)")
            rows[row_id].selected = False

    bad = failing(rows.values())
    ok = not bad
    result = {
        "schema": RESULT_SCHEMA_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "smoke": args.smoke,
        "enforced": args.enforce,
        "seconds": round(time.perf_counter() - started, 1),
        "settings": {
            "events": args.events,
            "seed": args.seed,
            "rounds": args.rounds,
            "import_reps": args.import_reps,
            "log_mb": args.log_mb,
        },
        "corpus": {
            "events": len(corpus.specs),
            "event_classes": corpus.source,
            "mix": corpus.mix(),
        },
        "rows": [asdict(row) for row in rows.values()],
        "passed": ok,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")

    print(f"ai-infra benchmark: {len(corpus.specs)} events ({corpus.source}), "
          f"Python {platform.python_version()}, {result['seconds']}s"
          f"{', smoke run' if args.smoke else ''}")  # fmt: skip
    print(render_table(rows.values()))
    print(f"results: {args.out}")
    if ok:
        print("all targets met")
        return 0
    summary = ", ".join(f"{row.id} ({row.status})" for row in bad)
    if args.enforce:
        print(f"TARGETS MISSED: {summary}")
        return 1
    print(f"not all targets met (not enforced): {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
