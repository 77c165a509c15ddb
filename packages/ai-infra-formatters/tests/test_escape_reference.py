"""safe_text / safe_line give, character for character, what a plain reference gives.

The module finds the unsafe characters with a regex and replaces only them, and
falls back to ``str.translate`` for the rest of a text once it is dense with
them (issue 12, speed). The reference here is the obvious loop over the
characters, written from :mod:`ai_infra_formatters.unsafe_chars` (the one list of
unsafe characters) and the stand-ins the module documents, so the two share
no code. Hypothesis draws texts sparse and dense in unsafe characters, ASCII and
not, short and long, so every path (nothing to do, the regex alone, the regex
then the table) is compared.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ai_infra_formatters.text_safety import safe_cut, safe_line, safe_text, truncate
from ai_infra_formatters.unsafe_chars import BIDI, C1, DEL, INVISIBLE, SEPARATORS, TAGS

_MARKED = frozenset((*BIDI, *INVISIBLE, *SEPARATORS, *TAGS))


def reference(text: str, *, keep_layout: bool) -> str:
    """The stand-in of every character, one at a time (see the text_safety docstring)."""
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in "\t\n":
            if keep_layout:
                out.append(char)
            else:
                out.append(" " if char == "\t" else "\u21b5")
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == DEL:
            out.append("\u2421")
        elif code in C1:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif code in _MARKED:
            out.append(f"<U+{code:04X}>")
        else:
            out.append(char)
    return "".join(out)


#: One of every kind of unsafe character, and the edges of each range.
UNSAFE = (
    *"\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f",
    *"\x80\x85\x9b\x9c\x9d\x9f",
    "\ud800",
    "\udfff",
    *(chr(code) for code in (*BIDI, *INVISIBLE, *SEPARATORS)),
    chr(TAGS[0]),
    "\U000e0041",
    chr(TAGS[-1]),
)
#: Safe neighbours of those: printable ASCII and not, the joiners, the edges of the ranges.
SAFE = (*"aZ ~!", "\xa0", "\xe9", "\u200c", "\u200d", "\u2027", "\u202f", "日", "👩", "\U000e0080")

unsafe_char = st.sampled_from(UNSAFE)
safe_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
safe_any = st.text(st.sampled_from(SAFE) | st.characters(codec="utf-8"), max_size=40)


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    """Runs of safe text (ASCII only, or any) with unsafe characters between them,
    the runs short (dense text) or long (sparse), and sometimes ``\\r\\n``."""
    safe = draw(st.sampled_from((safe_ascii, safe_any)))
    pieces = draw(st.lists(st.tuples(safe, st.sampled_from(("", "\r\n")), unsafe_char)))
    return "".join(run + crlf + char for run, crlf, char in pieces) + draw(safe)


def ascii_hostile(draw_size: int, every: int, char: str) -> str:
    """*draw_size* characters of ASCII with *char* every *every* characters."""
    run = ("abcdefghijklmnopqrstuvwxyz" * (every // 26 + 1))[: every - 1]
    return ((run + char) * (draw_size // every + 1))[:draw_size]


@given(hostile_text())
@example("")
@example("\r\n")
@example("\r\r\n\n")
@example("\x1b" * 40)  # all unsafe: the regex takes a few, the table the rest
@example("a\x1bb\x1bc")
@example("\u202e\u202e\u202e\u202ex")
@example(ascii_hostile(100_000, 25, "\x1b"))  # sparse: the regex alone
@example(ascii_hostile(100_000, 4, "\x9b"))  # dense, not ASCII: the regex then the table
@example(ascii_hostile(50_000, 40, "\x07") + "\x1b" * 50_000)  # sparse, then dense
@example("\x1b" * 50_000 + ascii_hostile(50_000, 40, "\U000e0041"))  # dense, then sparse
def test_safe_text_is_the_reference(text: str) -> None:
    assert safe_text(text) == reference(text, keep_layout=True)


@given(hostile_text())
@example("")
@example("\r\n")
@example("\t\n\r")
@example("\n" * 40)
@example(ascii_hostile(100_000, 25, "\n"))
@example(ascii_hostile(100_000, 3, "\u2028"))
@example("\n" * 50_000 + ascii_hostile(50_000, 40, "\t"))
def test_safe_line_is_the_reference(text: str) -> None:
    assert safe_line(text) == reference(text, keep_layout=False)


@given(st.text(max_size=60))
def test_any_text_is_the_reference(text: str) -> None:
    assert safe_text(text) == reference(text, keep_layout=True)
    assert safe_line(text) == reference(text, keep_layout=False)


@given(hostile_text(), st.integers(min_value=1, max_value=50), st.booleans())
def test_safe_cut_is_truncate_of_the_reference(text: str, limit: int, keep_layout: bool) -> None:
    whole = reference(text, keep_layout=keep_layout)
    assert safe_cut(text, limit, keep_layout=keep_layout) == truncate(whole, limit)


@pytest.mark.parametrize("every", [2, 8, 16, 17, 25, 1000])
@pytest.mark.parametrize("char", ["\x1b", "\x85", "\u202e", "\U000e0041", "\ud800"])
def test_long_text_at_every_density(every: int, char: str) -> None:
    text = ascii_hostile(20_000, every, char)
    assert safe_text(text) == reference(text, keep_layout=True)
    assert safe_line(text) == reference(text, keep_layout=False)
