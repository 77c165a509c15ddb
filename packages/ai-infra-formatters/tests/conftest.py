"""Shared set-up for the ai-infra-formatters tests.

* Hypothesis profiles: ``ci`` (500 examples a property, the same every run, no
  deadline), ``ci-quick`` (the same with 100; nox runs ``ci`` on one Python and
  this on the others) and ``dev`` (100 random examples); the one named by
  ``HYPOTHESIS_PROFILE`` is loaded (default ``dev``).
* Every test starts with the colour- and size-related environment variables of the
  machine removed, so a developer's ``NO_COLOR`` or a CI's ``FORCE_COLOR`` cannot
  change what a test sees. Tests that want one set it themselves with
  ``monkeypatch`` before they build a Rich console.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    # The same examples every run: a CI verdict never depends on the draw. Random
    # exploration is the "dev" profile's job (the default when running pytest).
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    # The same, fewer: the matrix runs "ci" on one Python and this on the others.
    "ci-quick",
    settings.get_profile("ci"),
    max_examples=100,
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

#: Environment variables Rich reads when it builds a console.
TERMINAL_ENV = (
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "COLORTERM",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)


@pytest.fixture(autouse=True)
def _clean_terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the variables of :data:`TERMINAL_ENV` and use a plain xterm ``TERM``."""
    for name in TERMINAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
