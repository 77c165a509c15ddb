"""The watching page's script, run under Node with a fake DOM (no browser; skipped
without ``node``): it renders a demo run's events as text, skips a repeated id, shows
a reset, and stops at the ``end`` event."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from executor_support import CORE_SAMPLES, EXECUTOR_SAMPLES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")

HOSTILE = "<img src=x onerror=alert(1)>&amp;\u202e"


def _render(messages: list[tuple[str, dict[str, object]]], *mode: str) -> dict[str, object]:
    page = importlib.resources.files("ai_infra_executor").joinpath("web").joinpath("index.html")
    with importlib.resources.as_file(page) as path:
        lines = "".join(json.dumps({"id": i, "data": json.dumps(e)}) + "\n" for i, e in messages)
        harness = Path(__file__).with_name("page_harness.js")
        out = subprocess.run(
            [NODE, str(harness), str(path), *mode],
            input=lines,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    return json.loads(out.stdout)


def _texts(node: dict[str, object]) -> list[str]:
    if "text" in node:
        return [str(node["text"])]
    found = [str(node["own"])] if node["own"] else []
    for child in node["children"]:  # type: ignore[attr-defined]
        found += _texts(child)
    return found


def test_the_page_renders_every_kind_of_event_as_text():
    samples = {**CORE_SAMPLES, **EXECUTOR_SAMPLES}
    events: list[dict[str, object]] = [{"type": t, **f} for t, f in samples.items()]
    events += [
        {"type": "task_start", "task": {"title": HOSTILE}},
        {"type": "token", "content": HOSTILE},
        {"type": "tool_start", "tool": HOSTILE, "tool_id": "c", "arguments": {"a": HOSTILE}},
        {"type": "tool_end", "tool": "t", "tool_id": "c", "error": HOSTILE},
        {"type": "node_error", "node_name": "n", "error": HOSTILE},
        {"type": "error", "error": HOSTILE},
    ]
    rendered = _render([(f"1-{i + 1}", e) for i, e in enumerate(events)])
    assert rendered["htmlSinks"] == 0
    assert rendered["url"] == "runs/r1/events?token=t%26k"
    assert rendered["closed"] is True
    assert rendered["status"] == "the run has ended"
    texts = _texts(rendered["events"])
    assert sum(HOSTILE in t for t in texts) >= 6  # kept whole, as text
    for kind in ("plan", "Done"):  # the samples' own texts are shown
        assert any(kind in t for t in texts), kind


def test_the_page_skips_an_id_it_has_shown_and_shows_a_reset():
    rendered = _render(
        [
            ("1-1", {"type": "token", "content": "once"}),
            ("1-1", {"type": "token", "content": "again"}),
            ("0-0", {"type": "log_reset"}),
            ("1-2", {"type": "token", "content": " more"}),
        ]
    )
    assert rendered["text"].startswith("once")
    assert rendered["text"].endswith(" more")
    assert "again" not in rendered["text"]
    assert "no longer kept" in rendered["text"]


def test_the_list_poll_never_overwrites_the_runs_own_status():
    """The runs list is polled every few seconds; what it finds (or fails to) goes
    in the list's own line, never over the shown run's "ended" or "reconnecting"."""
    token = [("1-1", {"type": "token", "content": "x"})]
    ended = _render(token)
    assert (ended["status"], ended["runsStatus"]) == ("the run has ended", "1 run(s)")
    dropped = _render(token, "offline")
    assert dropped["status"] == "reconnecting..."
    assert dropped["runsStatus"] == "cannot reach the server"


def test_tool_lines_show_arguments_and_results_only_when_the_events_carry_them():
    rendered = _render(
        [
            ("1-1", {"type": "tool_start", "tool": "read", "tool_id": "a"}),
            ("1-2", {"type": "tool_end", "tool": "read", "tool_id": "a"}),
            ("1-3", {"type": "tool_start", "tool": "grep", "tool_id": "b", "arguments": {"q": 1}}),
            ("1-4", {"type": "tool_end", "tool": "grep", "tool_id": "b", "result": "3 hits"}),
        ]
    )
    texts = _texts(rendered["events"])
    assert texts == ["\u2192 read", "\u2190 read", '\u2192 grep({"q":1})', "\u2190 grep: 3 hits"]


def test_the_token_is_taken_out_of_the_address_bar():
    rendered = _render([("1-1", {"type": "token", "content": "x"})])
    assert rendered["url"] == "runs/r1/events?token=t%26k"  # still sent to the server
    assert rendered["addresses"], "the address was rewritten"
    assert all("token" not in a for a in rendered["addresses"])
    assert rendered["addresses"][-1] == "http://127.0.0.1/?run=r1"
