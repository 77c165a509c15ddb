"""Make untrusted text safe for a terminal, and short enough to read.

LLM and tool output can carry ESC/CSI/OSC sequences, other C0/C1 control
characters, lone surrogates and bidirectional overrides. None of them may reach a
terminal as such: each is replaced by a visible stand-in (``ESC`` becomes ``␛``,
C1 controls become ``\\x9b``, a lone surrogate becomes ``�``, a bidi override
``<U+202E>``), so the reader sees that something was there and nothing is
interpreted. Rich markup needs no treatment here: this package never parses it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_TRUNCATION_MARKER",
    "safe_cut",
    "safe_line",
    "safe_text",
    "truncate",
]

DEFAULT_MAX_LENGTH: Final = 2000
DEFAULT_TRUNCATION_MARKER: Final = "…"

_BIDI: Final = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)


def _build_table(*, keep_layout: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)
    table[0x7F] = "\u2421"
    for code in range(0x80, 0xA0):
        table[code] = f"\\x{code:02x}"
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    for code in _BIDI:
        table[code] = f"<U+{code:04X}>"
    if keep_layout:
        del table[0x09]
        del table[0x0A]
    else:
        table[0x09] = " "
        table[0x0A] = "\u21b5"
    return table


_TEXT_TABLE: Final = _build_table(keep_layout=True)
_LINE_TABLE: Final = _build_table(keep_layout=False)

_BIDI_CLASS: Final = "".join(f"\\u{c:04x}" for c in _BIDI)
# The characters whose stand-in is longer than they are, with how much longer (C1
# controls, "\\x9b"; bidi controls, "<U+202E>"): the same in both tables.
_GROWTH: Final = tuple(
    (chr(code), len(stand_in) - 1) for code, stand_in in _TEXT_TABLE.items() if len(stand_in) > 1
)
_GROWING: Final = re.compile("[" + "".join(f"\\u{ord(char):04x}" for char, _ in _GROWTH) + "]")
_TEXT_UNSAFE: Final = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI_CLASS}]")
_LINE_UNSAFE: Final = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI_CLASS}]")


def safe_text(text: str) -> str:
    """*text* with every control character except ``\\n`` and ``\\t`` made visible.

    ``\\r\\n`` becomes ``\\n``. Used for token text, which must keep its layout.
    """
    # Every character made visible here is non-printable to str.isprintable (a
    # C-speed scan), so printable text is returned without a regex search.
    if text.isprintable() or _TEXT_UNSAFE.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TEXT_TABLE)


def safe_line(text: str) -> str:
    """*text* fit for one line: controls made visible, newlines shown as ``↵``."""
    if text.isprintable() or _LINE_UNSAFE.search(text) is None:
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_LINE_TABLE)


def safe_cut(
    text: str,
    limit: int | None,
    marker: str = DEFAULT_TRUNCATION_MARKER,
    *,
    keep_layout: bool = False,
) -> str:
    """``truncate(safe_line(text), limit, marker)`` (``safe_text`` with *keep_layout*),
    making safe only the part of a long *text* that is shown.

    The result is the same, character for character; the cost no longer grows with
    all of *text* (a 10 MB tool result full of escape sequences took ~0.5 s to make
    safe, to show 2000 characters of it): the length the marker reports is counted,
    not built.
    """
    make_safe = safe_text if keep_layout else safe_line
    # Each shown character comes from one character of text, or two ("\r\n"), so
    # the first `limit` shown come from at most 2 * limit of text (a cut there
    # changes nothing before them).
    head_length = 2 * limit + 2 if limit else 0
    if not limit or len(text) <= head_length:
        return truncate(make_safe(text), limit, marker)
    shown = make_safe(text[:head_length])[:limit]
    return f"{shown}{marker} [+{_safe_length(text, keep_layout) - limit} chars]"


def _safe_length(text: str, keep_layout: bool) -> int:
    """``len(safe_text(text))`` (``safe_line`` without *keep_layout*), without building it."""
    unsafe = _TEXT_UNSAFE if keep_layout else _LINE_UNSAFE
    if text.isprintable() or unsafe.search(text) is None:
        return len(text)
    length = len(text) - text.count("\r\n")
    if _GROWING.search(text) is not None:
        length += sum(text.count(char) * extra for char, extra in _GROWTH)
    return length


def truncate(text: str, limit: int | None, marker: str = DEFAULT_TRUNCATION_MARKER) -> str:
    """*text* cut to *limit* characters plus a marker saying how much was left out.

    ``limit=None`` (or 0) never cuts.
    """
    if not limit or len(text) <= limit:
        return text
    return f"{text[:limit]}{marker} [+{len(text) - limit} chars]"
