"""The web protocols' own validators, for the encoders' tests (imported as ``web_validators``;
the executor's tests import it from this folder too).

* AG-UI: every event through ``ag-ui-protocol``'s models (``TypeAdapter(ag_ui.core.Event)``)
  and the whole stream through ``ag-ui-validate``'s conformance engine;
* Vercel AI SDK: the npm ``ai`` package's ``parseJsonEventStream`` with
  ``uiMessageChunkSchema`` and ``readUIMessageStream``, in Node (``node/``).

``nox -s web-protocols`` installs them and sets ``AI_INFRA_WEB_VALIDATORS=required``:
then a missing validator is an error; elsewhere the tests that need one are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from ai_infra_formatters.unsafe_chars import TERMINAL_ACTIVE

REQUIRED = os.environ.get("AI_INFRA_WEB_VALIDATORS") == "required"
NODE_DIR = Path(__file__).parent / "node"
UI_STREAM_SCRIPT = NODE_DIR / "validate-ui-message-stream.mjs"
NODE = shutil.which("node")


def _have_ag_ui() -> bool:
    try:
        import ag_ui.core  # noqa: F401
        import ag_ui_validate  # noqa: F401
    except ImportError:
        return False
    return True


HAVE_AG_UI = _have_ag_ui()
HAVE_AI_SDK = NODE is not None and (NODE_DIR / "node_modules" / "ai").is_dir()
if REQUIRED and not (HAVE_AG_UI and HAVE_AI_SDK):
    raise RuntimeError("nox -s web-protocols needs ag-ui-protocol, ag-ui-validate, Node and npm ci")

needs_ag_ui = pytest.mark.skipif(not HAVE_AG_UI, reason="run nox -s web-protocols")
needs_ai_sdk = pytest.mark.skipif(
    not HAVE_AI_SDK, reason="needs Node and `npm ci` in tests/node (nox -s web-protocols)"
)


def sse_payloads(stream: str) -> list[str]:
    """The data of each frame of an SSE *stream* (one ``data:`` line a frame), after
    checking the stream is safe on a terminal (``curl`` or ``demo --format ag-ui``
    shows it there): no C0 control but its newlines, nothing of ``TERMINAL_ACTIVE``
    (DEL, C1, bidi controls, U+2028/9, tags), whatever the events' text held."""
    assert stream == "" or stream.endswith("\n\n"), stream[-200:]
    raw = [c for c in stream if (ord(c) < 0x20 and c != "\n") or ord(c) in TERMINAL_ACTIVE]
    assert raw == [], raw[:10]
    payloads = []
    for frame in stream.split("\n\n")[:-1]:
        assert frame.startswith("data: "), frame
        assert "\n" not in frame, frame
        payloads.append(frame[len("data: ") :])
    return payloads


def checked_ag_ui(stream: str) -> list[dict[str, Any]]:
    """The events of an AG-UI *stream*, each accepted by the protocol's models and the
    whole by the conformance validator (no finding of error severity)."""
    from ag_ui.core import Event
    from ag_ui_validate import ValidatorOptions, create_validator
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Event)
    events = []
    for payload in sse_payloads(stream):
        adapter.validate_json(payload)  # raises on any wrong field
        events.append(orjson.loads(payload))
    validator = create_validator(ValidatorOptions(features=["shared-state"]))
    findings = []
    for event in events:
        findings += validator.feed(event)
    findings += validator.finalize()
    errors = [f"{d.rule} @{d.event_index}: {d.message}" for d in findings if d.severity == "error"]
    assert errors == [], errors
    assert validator.report().internal_errors == []
    return events


def checked_ui_message_streams(*streams: str) -> list[dict[str, Any]]:
    """The AI SDK's report on each UI message stream, checked: no chunk its schema
    rejects, no error building the message but the stream's own ``error`` chunks,
    ``finish`` last, ``[DONE]`` at the end, every part of the message done."""
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(UI_STREAM_SCRIPT)],
        input="\0".join(streams),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=True,
    )
    reports: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(reports) == len(streams)
    for report in reports:
        assert report["invalid"] == [], report["invalid"]
        assert [e for e in report["errors"] if e not in report["errorChunks"]] == []
        assert report["lastType"] == "finish"
        assert report["done"] is True
        for part in report["parts"]:
            if part["type"] in ("text", "reasoning"):
                assert part["state"] == "done", part
            elif part["type"] == "dynamic-tool":
                assert part["state"] in ("output-available", "output-error"), part
    return reports
