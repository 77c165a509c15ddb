"""The ``upstream`` fixture: ai-infra's streaming module, loaded by path (or a skip)."""

from __future__ import annotations

from types import ModuleType

import pytest
from upstream_support import SKIP_REASON, load_upstream, upstream_path


@pytest.fixture(scope="session")
def upstream() -> ModuleType:
    """ai-infra's ``ai_infra/llm/streaming.py`` as a module (skips when not configured)."""
    if upstream_path() is None:
        pytest.skip(SKIP_REASON)
    return load_upstream()
