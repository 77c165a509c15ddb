"""The README's web endpoint (examples/web_endpoint.py, a Starlette app) streams the
demo run in both web protocols, and both validators accept what it sends (issue 14)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "web_endpoint.py"
sys.path.append(str(ROOT / "packages" / "ai-infra-formatters" / "tests"))
from web_validators import (  # noqa: E402 - found through the path above
    HAVE_AG_UI,
    HAVE_AI_SDK,
    checked_ag_ui,
    checked_ui_message_streams,
)

starlette_testclient = pytest.importorskip(
    "starlette.testclient", reason="run nox -s web-protocols"
)
pytestmark = pytest.mark.skipif(not (HAVE_AG_UI and HAVE_AI_SDK), reason="run nox -s web-protocols")


def test_the_readme_shows_the_example_as_it_is() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"```python\n{EXAMPLE.read_text('utf-8')}```" in readme


def test_the_example_streams_the_demo_in_both_protocols() -> None:
    app = runpy.run_path(str(EXAMPLE))["app"]
    with starlette_testclient.TestClient(app) as client:
        ag_ui = client.get("/run", params={"protocol": "ag-ui"})
        vercel = client.get("/run", params={"protocol": "vercel-ai"})
    assert ag_ui.status_code == vercel.status_code == 200
    for response in (ag_ui, vercel):
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
    assert vercel.headers["x-vercel-ai-ui-message-stream"] == "v1"
    events = checked_ag_ui(ag_ui.text)
    assert [e["type"] for e in events][-1] == "RUN_FINISHED"
    (report,) = checked_ui_message_streams(vercel.text)
    assert any(part["type"] == "text" for part in report["parts"])
