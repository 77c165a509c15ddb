"""Load ai-infra's own ``ai_infra/llm/streaming.py`` by path (imported as ``upstream_support``).

The module is stdlib-only, but importing it through the ``ai_infra`` package
pulls in all of LangChain, so it is loaded from the file named by
``AI_INFRA_UPSTREAM_STREAMING`` (the nox session ``upstream-compat`` downloads
the published wheel and sets it).
"""

from __future__ import annotations

import importlib.util
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
