"""Shared set-up for the ai-infra-executor tests.

* Hypothesis profiles: ``ci`` (500 examples a property, no deadline), ``ci-quick``
  (the same with 100; nox runs ``ci`` on one Python and this on the others) and
  ``dev`` (100 examples); the one named by ``HYPOTHESIS_PROFILE`` is loaded (default
  ``dev``).
* Every test starts without the colour-related environment variables of the
  machine, so a developer's ``NO_COLOR`` or a CI's ``FORCE_COLOR`` cannot change
  what a test sees; tests that want one set it with ``monkeypatch``.
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
    suppress_health_check=[HealthCheck.too_slow],
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
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

_TERMINAL_ENV = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "COLORTERM", "TTY_COMPATIBLE")


@pytest.fixture(autouse=True)
def _clean_terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _TERMINAL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
