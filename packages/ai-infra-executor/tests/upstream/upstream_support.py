"""Load ai-infra's own ``ai_infra/llm/streaming.py`` by path (imported as ``upstream_support``).

The module is stdlib-only, but importing it through the ``ai_infra`` package
pulls in all of LangChain, so it is loaded from the file named by
``AI_INFRA_UPSTREAM_STREAMING`` (the nox session ``upstream-compat`` downloads
the published wheel and sets it).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

ENV_VAR = "AI_INFRA_UPSTREAM_STREAMING"
SKIP_REASON = (
    f"{ENV_VAR} is not set: these tests compare against ai-infra's own "
    "ai_infra/llm/streaming.py (run `nox -s upstream-compat`, or set it to that file)"
)
_MODULE_NAME = "ai_infra_upstream_streaming"


def upstream_path() -> Path | None:
    """The file named by :data:`ENV_VAR`, or ``None`` when it is unset or empty."""
    path = os.environ.get(ENV_VAR)
    return Path(path) if path else None


def load_upstream() -> ModuleType:
    """The upstream streaming module, loaded once from :func:`upstream_path`.

    Raises:
        FileNotFoundError: the variable is unset or names no file.
    """
    if _MODULE_NAME in sys.modules:
        return sys.modules[_MODULE_NAME]
    file = upstream_path()
    if file is None or not file.is_file():
        raise FileNotFoundError(f"{ENV_VAR}={os.environ.get(ENV_VAR)!r} names no file")
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


# -- ai-infra's older modules, for the executor's old names ---------------------

#: The variables naming 1.19's ``ai_infra/utils/formatters.py`` and 1.5.2's
#: ``ai_infra/executor/streaming.py`` (set by ``nox -s upstream-compat``).
FORMATTERS_VAR = "AI_INFRA_UPSTREAM_FORMATTERS"
EXECUTOR_VAR = "AI_INFRA_UPSTREAM_EXECUTOR_STREAMING"


def skip_reason(var: str, what: str) -> str:
    """Why a test against *what* (named by the variable *var*) is skipped."""
    return (
        f"{var} is not set: these tests compare against ai-infra's own {what} "
        "(run `nox -s upstream-compat`, or set it to that file)"
    )


def path_of(var: str) -> Path | None:
    """The file named by *var*, or ``None`` when it is unset or empty."""
    path = os.environ.get(var)
    return Path(path) if path else None


def load_by_path(var: str, module_name: str) -> ModuleType:
    """The file named by *var* as module *module_name* (loaded once).

    ``ai_infra.logging`` (the one ``ai_infra`` import of the old executor module)
    is stood in for by a module whose ``get_logger(name)`` is the stdlib logger
    ``ai_infra.<name>``, for the load only; a real ``ai_infra`` is left alone.

    Raises:
        FileNotFoundError: *var* is unset or names no file.
    """
    if module_name in sys.modules:
        return sys.modules[module_name]
    file = path_of(var)
    if file is None or not file.is_file():
        raise FileNotFoundError(f"{var}={os.environ.get(var)!r} names no file")
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file} as a module")
    module = importlib.util.module_from_spec(spec)
    stand_ins = _logging_stand_ins()
    sys.modules.update(stand_ins)
    sys.modules[module_name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        for name in stand_ins:
            del sys.modules[name]
    return module


def _logging_stand_ins() -> dict[str, ModuleType]:
    if "ai_infra" in sys.modules:
        return {}
    package = ModuleType("ai_infra")
    package.__path__ = []
    ai_logging = ModuleType("ai_infra.logging")
    ai_logging.get_logger = lambda name: logging.getLogger(f"ai_infra.{name}")  # type: ignore[attr-defined]
    return {"ai_infra": package, "ai_infra.logging": ai_logging}
