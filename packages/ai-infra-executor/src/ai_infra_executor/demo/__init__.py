"""The demo: a real LangGraph executor run over a bundled roadmap, with a scripted agent.

Run it with ``ai-infra-executor demo`` (see :mod:`ai_infra_executor.cli`). Needs
the ``langgraph`` extra; importing this package does not import LangGraph (the
graph and the agent live in :mod:`ai_infra_executor.demo.graph` and
:mod:`ai_infra_executor.demo.agent`).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

__all__ = ["BUNDLED_ROADMAP", "bundled_roadmap"]

#: The file name of the roadmap shipped with the package.
BUNDLED_ROADMAP: Final = "ROADMAP.md"


def bundled_roadmap() -> Traversable:
    """The roadmap shipped with the package (3 tasks to do, 1 already done)."""
    return resources.files(__name__).joinpath(BUNDLED_ROADMAP)
