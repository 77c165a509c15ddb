"""The demo's roadmap: its tasks and the state a run starts from (no LangGraph).

Kept apart from :mod:`ai_infra_executor.demo.graph` so that the command line can
read a roadmap, and show the run's header, before it imports LangGraph.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable
from os import PathLike
from pathlib import Path
from typing import Any, Final, TypedDict

__all__ = ["DemoState", "initial_state", "parse_roadmap"]

_ITEM: Final = re.compile(r"^\s*[-*]\s+\[(?P<mark>[ xX])\]\s+(?P<text>\S.*?)\s*$")
_FILES: Final = re.compile(r"^(?P<title>.*?)\s*\((?P<files>[^()]*)\)$")


class DemoState(TypedDict, total=False):
    """The demo executor's state (the keys :class:`~ai_infra_executor.TaskNodes` reads
    by default: ``current_task``, ``todos``, ``error``, ``files_modified``,
    ``skip_reason``, ``roadmap_path``)."""

    roadmap_path: str
    todos: list[dict[str, Any]]
    next_index: int
    current_task: dict[str, Any] | None
    files_modified: list[str]
    summary: str
    error: str | None
    skip_reason: str | None
    completed_count: int
    failed_count: int
    skipped_count: int


def parse_roadmap(text: str) -> list[dict[str, Any]]:
    """The tasks of a roadmap: one per ``- [ ] title (file, file)`` line.

    ``- [x]`` marks a task already done (status ``done``, later skipped); the
    parenthesised list at the end of a line names the files the task touches.
    Every other line is ignored. Ids are the 1-based positions, as strings.
    """
    tasks: list[dict[str, Any]] = []
    for line in text.splitlines():
        match = _ITEM.match(line)
        if match is None:
            continue
        text_part = match["text"]
        files: list[str] = []
        with_files = _FILES.match(text_part)
        if with_files is not None:
            text_part = with_files["title"]
            files = [f.strip() for f in with_files["files"].split(",") if f.strip()]
        tasks.append(
            {
                "id": str(len(tasks) + 1),
                "title": text_part,
                "status": "pending" if match["mark"] == " " else "done",
                "files": files,
            }
        )
    return tasks


def initial_state(roadmap: str | PathLike[str] | Traversable) -> DemoState:
    """The state a demo run starts from: the tasks of *roadmap* (a path, or a
    package resource such as :func:`~ai_infra_executor.demo.bundled_roadmap`).

    Raises:
        OSError: the roadmap cannot be read.
    """
    source = roadmap if isinstance(roadmap, Traversable) else Path(roadmap)
    return {
        "roadmap_path": source.name,
        "todos": parse_roadmap(source.read_text(encoding="utf-8")),
        "next_index": 0,
        "current_task": None,
        "files_modified": [],
        "error": None,
        "skip_reason": None,
        "completed_count": 0,
        "failed_count": 0,
        "skipped_count": 0,
    }
