"""Make untrusted text safe for a terminal, and short enough to read.

LLM and tool output can carry ESC/CSI/OSC sequences, other C0/C1 control
characters, lone surrogates and bidirectional overrides. None of them may reach a
terminal as such: each is replaced by a visible stand-in (``ESC`` becomes ``␛``,
C1 controls become ``\\x9b``, a lone surrogate becomes ``�``, a bidi override
``<U+202E>``), so the reader sees that something was there and nothing is
interpreted. Rich markup needs no treatment here: this package never parses it.

Invisible characters that can hide text get a ``<U+XXXX>`` stand-in too:

* Unicode tag characters (U+E0000-U+E007F, ``<U+E0041>``), which spell out
  ASCII that no terminal shows (hidden instructions to a model). The one
  standard use, the subdivision flags (England, Scotland, Wales), shows as the
  black flag followed by its tags.
* The line and paragraph separators U+2028 / U+2029 (``<U+2028>``), in
  :func:`safe_text` as well: some viewers break a line there and a terminal does
  not, so the layout they would give is shown, not guessed. A line stays one line.
* The zero-width space U+200B, the word joiner U+2060, the invisible operators
  U+2061-U+2064, the deprecated format controls U+206A-U+206F and the
  zero-width no-break space (byte order mark) U+FEFF: invisible, with no use in
  terminal text, and the usual way to hide marks or split words.

The zero-width joiner U+200D and non-joiner U+200C pass unchanged: emoji
sequences (👩‍💻) and scripts such as Persian and the Indic ones need them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ai_infra_formatters.unsafe_chars import BIDI, C1, DEL, INVISIBLE, SEPARATORS, TAGS

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

#: Everything shown as ``<U+XXXX>``.
_MARKED: Final = (*BIDI, *INVISIBLE, *SEPARATORS, *TAGS)


def _build_table(*, keep_layout: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)
    table[DEL] = "\u2421"
    for code in C1:
        table[code] = f"\\x{code:02x}"
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    for code in _MARKED:
        table[code] = f"<U+{code:04X}>"
    if keep_layout:
        del table[0x09]
        del table[0x0A]
    else:
        table[0x09] = " "
        table[0x0A] = "\u21b5"
    return table


def _ascii_table(table: dict[int, str]) -> list[str]:
    """*table* for ASCII text: a list by code point, every character mapped.

    ``str.translate`` reads a list entry for every character; a dict lookup
    raises (and swallows) a ``KeyError`` for each character it keeps, which
    makes it about 2.5 times as slow on multi-line text.
    """
    return [table.get(code, chr(code)) for code in range(0x80)]


def _char_class(codes: Iterable[int], *, capture: bool = False) -> re.Pattern[str]:
    """A regex matching any one of *codes*, written as ranges (a long list of
    separate characters above U+FFFF makes the regex engine slow); with
    *capture*, the character is a group (so ``split`` keeps it)."""
    ordered = sorted(codes)
    ranges: list[list[int]] = []
    for code in ordered:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(
        f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges
    )
    return re.compile(f"([{body}])" if capture else f"[{body}]")


class _StandIns:
    """How one kind of output (text that keeps its layout, or one line) makes text safe.

    The unsafe characters are found by a regex and only they are replaced: the
    text between them is copied by ``"".join`` at C speed. ``str.translate``
    with a dict looks every character up (50-90 ns each, even where none is
    unsafe), so the regex is several times as fast on the usual hostile text,
    a few unsafe characters in much safe text.

    Text that is mostly unsafe characters is the other way round: a regex
    match costs as much as translating a dozen characters. So the regex
    replaces at most one character in :attr:`ascii_spacing` (ASCII text) or
    :attr:`spacing` (other text) of the text's length; when the text holds more,
    the rest after that many is translated with the table. Either way the result
    is the table's, character for character, and the cost stays within a small
    factor of the cheaper of the two on every text.

    Args:
        table: the stand-in of every unsafe character, by code point (``\\r\\n`` is
            made ``\\n`` before it is used).
    """

    #: The densest unsafe text (one unsafe character in this many) the regex
    #: replaces alone, for ASCII text (translated with a list: about 18 ns a character).
    ascii_spacing: Final = 16
    #: The same for other text (translated with a dict: about 50 ns a character).
    spacing: Final = 8

    def __init__(self, table: dict[int, str]) -> None:
        self.table: Final = table
        self.ascii_table: Final = _ascii_table(table)
        self.by_char: Final = {chr(code): stand_in for code, stand_in in table.items()}
        # ASCII text (a flag CPython keeps: str.isascii() costs nothing) is searched
        # with the ASCII characters only, which the regex engine scans about half
        # again as fast as the whole set, whose range above U+FFFF (the tags) slows
        # every character down.
        self.unsafe: Final = _char_class(table, capture=True)
        self.ascii_unsafe: Final = _char_class(
            (code for code in table if code < 0x80), capture=True
        )

    def apply(self, text: str) -> str:
        """*text* with every unsafe character replaced by its stand-in."""
        table: list[str] | dict[int, str]
        if text.isascii():
            pattern, spacing, table = self.ascii_unsafe, self.ascii_spacing, self.ascii_table
        else:
            pattern, spacing, table = self.unsafe, self.spacing, self.table
        if "\r\n" in text:
            text = text.replace("\r\n", "\n")
        most = len(text) // spacing + 1
        # [safe, unsafe, safe, unsafe, ..., safe]: the unsafe characters at the odd
        # places; after `most` of them the last item is the rest of the text, as is.
        parts = pattern.split(text, most)
        if len(parts) == 1:
            return text
        if len(parts) > 2 * most:
            parts[-1] = parts[-1].translate(table)
        parts[1::2] = map(self.by_char.__getitem__, parts[1::2])
        return "".join(parts)


_TEXT: Final = _StandIns(_build_table(keep_layout=True))
_LINE: Final = _StandIns(_build_table(keep_layout=False))
_TEXT_TABLE: Final = _TEXT.table
_LINE_TABLE: Final = _LINE.table
# The characters each table changes: any of them makes the text need replacing.
_TEXT_UNSAFE: Final = _char_class(_TEXT_TABLE)
_LINE_UNSAFE: Final = _char_class(_LINE_TABLE)

# The characters whose stand-in is longer than they are, with how much longer (C1
# controls, "\\x9b"; bidi controls, "<U+202E>"): the same in both tables. Tag
# characters ("<U+E0041>", 8 longer) are counted apart, all at once.
_GROWTH: Final = tuple(
    (chr(code), len(stand_in) - 1)
    for code, stand_in in _TEXT_TABLE.items()
    if len(stand_in) > 1 and code not in TAGS
)
_GROWING: Final = _char_class(code for code, stand_in in _TEXT_TABLE.items() if len(stand_in) > 1)
_TAG_GROWTH: Final = len(_TEXT_TABLE[TAGS[0]]) - 1
_TAG: Final = _char_class(TAGS)
# In UTF-8 the tag characters are F3 A0 80 xx (U+E0000-U+E003F) and F3 A0 81 xx
# (U+E0040-U+E007F). F3 only ever starts a character, so these bytes count them.
_TAG_UTF8_PREFIXES: Final = (b"\xf3\xa0\x80", b"\xf3\xa0\x81")


def safe_text(text: str) -> str:
    """*text* with every control character except ``\\n`` and ``\\t`` made visible.

    Invisible characters that hide text (tag characters, U+2028 / U+2029,
    zero-width spaces: see the module docstring) get their ``<U+XXXX>`` stand-in.
    ``\\r\\n`` becomes ``\\n``. Used for token text, which must keep its layout.
    """
    # Every character made visible here is non-printable to str.isprintable (a
    # C-speed scan; the tests check each one), so printable text is returned
    # without a regex search.
    if text.isprintable():
        return text
    return _TEXT.apply(text)


def safe_line(text: str) -> str:
    """*text* fit for one line: controls and invisible characters made visible, newlines
    shown as ``↵`` (U+2028 / U+2029 as ``<U+2028>`` / ``<U+2029>``)."""
    if text.isprintable():
        return text
    return _LINE.apply(text)


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
    if text.isprintable():
        return len(text)
    if text.isascii():
        # No stand-in of an ASCII character is longer than it.
        return len(text) - text.count("\r\n")
    unsafe = _TEXT_UNSAFE if keep_layout else _LINE_UNSAFE
    if unsafe.search(text) is None:
        return len(text)
    length = len(text) - text.count("\r\n")
    if _GROWING.search(text) is not None:
        length += sum(text.count(char) * extra for char, extra in _GROWTH)
        if _TAG.search(text) is not None:
            # One pass over the bytes instead of one count per tag character.
            encoded = text.encode("utf-8", "surrogatepass")
            tags = sum(encoded.count(prefix) for prefix in _TAG_UTF8_PREFIXES)
            length += tags * _TAG_GROWTH
    return length


def truncate(text: str, limit: int | None, marker: str = DEFAULT_TRUNCATION_MARKER) -> str:
    """*text* cut to *limit* characters plus a marker saying how much was left out.

    ``limit=None`` (or 0) never cuts.
    """
    if not limit or len(text) <= limit:
        return text
    return f"{text[:limit]}{marker} [+{len(text) - limit} chars]"
