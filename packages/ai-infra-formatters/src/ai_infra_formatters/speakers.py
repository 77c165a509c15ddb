"""Who is speaking: token lines that never mix two speakers.

Several nodes of a graph (a supervisor and its agents, two agents in parallel)
stream tokens into one terminal. Written as they come, their words run together
(``Researcher:Critic:  thethat  capital claimof ...``). A *speaker* is where a
token comes from: its subgraph path (``namespace``) and ``node_name``. The
:class:`~ai_infra_formatters.writer.EventWriter` keeps these rules, with the help
of :class:`Speakers`:

* A token line belongs to one speaker. When the speaker changes, the new line
  starts with the speaker's label (``[researcher] ``); a speaker that goes on
  after other events (a tool call) is not labelled again.
* While one speaker's line is open, another speaker's text is held back, and
  written, with its label, once that line ends (a newline in it, any other event,
  the end of the stream), or once the held text grows past a limit.
* A single speaker's tokens still appear the moment they arrive.

Tokens without a node or namespace have no speaker and no label. Reasoning text
(``reasoning`` events) streams the same way, but as a speaker of its own: a line of
reasoning starts with ``∴`` and never holds any of the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Final

from ai_infra_formatters.events import field_of

__all__ = ["HOLD_LIMIT", "Speakers", "has_text", "is_reasoning", "same_source", "speaker_of"]

#: How many characters of a speaker's text may be held back before the open line is
#: ended to make room (the held text is then written at once).
HOLD_LIMIT: Final = 4096

_NOBODY: Final = object()


def speaker_of(event: Any, kind: str = "token") -> Hashable | None:
    """The speaker of an inline *event* of type *kind*: ``(namespace, node_name)``
    for a token (``None`` for one that names neither), and ``(namespace, node_name,
    "reasoning")`` for reasoning, which never shares a line with an answer.

    Cheap (two lookups) and never raises; anything unhashable reads as no node.
    """
    path: Any = None
    node: Any = None
    try:
        node = field_of(event, "node_name")
        namespace = field_of(event, "namespace")
        path = tuple(namespace) if isinstance(namespace, (list, tuple)) else namespace
        hash((path, node))
    except Exception:
        node = path = None
    if kind == "reasoning":
        return (path, node, kind)
    if node is None and not path:
        return None
    return (path, node)


def is_reasoning(speaker: Hashable | None) -> bool:
    """Whether *speaker* (from :func:`speaker_of`) is a line of reasoning."""
    return type(speaker) is tuple and len(speaker) == 3


def same_source(one: Hashable | None, other: Hashable | None) -> bool:
    """Whether two speakers are one node's reasoning and answer (in turn, not at once)."""
    return type(one) is tuple and type(other) is tuple and one[:2] == other[:2]


def has_text(event: Any) -> bool:
    """Whether *event* carries a non-empty ``content`` string (streamed inline)."""
    try:
        content = field_of(event, "content")
    except Exception:
        return False
    return isinstance(content, str) and content != ""


class Speakers:
    """The speaker bookkeeping of one stream (used under its writer's lock).

    Attributes:
        owner: the speaker of the open token line (meaningful while one is open).
        last: the speaker whose text was written last (``_NOBODY`` before any).
    """

    def __init__(self, hold_limit: int = HOLD_LIMIT) -> None:
        self.hold_limit = hold_limit
        self.owner: Hashable | None = None
        self.last: object = _NOBODY
        self._held: dict[Hashable | None, list[str]] = {}
        self._held_size = 0

    def opening(self, speaker: Hashable | None, label: Callable[[], str]) -> str:
        """The label that starts a line of *speaker* (``""`` when it needs none)."""
        if speaker is None or speaker == self.last:
            return ""
        return label()

    def wrote(self, speaker: Hashable | None) -> None:
        """*speaker*'s text was written: it owns the line, if one is open."""
        self.owner = speaker
        self.last = speaker

    def hold(self, speaker: Hashable | None, text: str, label: Callable[[], str]) -> bool:
        """Keep *text* of *speaker* for later; True when the held text is past the limit."""
        held = self._held.get(speaker)
        if held is None:
            held = self._held[speaker] = [label() if speaker is not None else "", ""]
        held[1] += text
        self._held_size += len(text)
        return self._held_size > self.hold_limit

    @property
    def holding(self) -> bool:
        """Whether any text is held back."""
        return bool(self._held)

    def release(self) -> tuple[str, bool]:
        """All held text, each speaker's with its label on a line of its own, and
        whether the last line is left open (the last speaker's text did not end
        with a newline; that speaker then owns the line)."""
        parts: list[str] = []
        open_line = False
        speakers = list(self._held.items())
        self._held.clear()
        self._held_size = 0
        for index, (speaker, (label, text)) in enumerate(speakers):
            prefix = label if speaker is not None and speaker != self.last else ""
            parts.append(prefix + text)
            self.last = speaker
            if not text.endswith("\n"):
                if index < len(speakers) - 1:
                    parts.append("\n")
                else:
                    open_line = True
                    self.owner = speaker
        return "".join(parts), open_line
