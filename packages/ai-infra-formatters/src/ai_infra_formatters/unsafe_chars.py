"""Which characters of untrusted text may not reach a terminal as they are.

One list for every output path: :mod:`ai_infra_formatters.text_safety` gives
each of them a visible stand-in in console text, and
:class:`~ai_infra_formatters.json_format.JsonFormatter` writes the ones a
terminal acts on as JSON escapes. Only constants: importing this module costs
nothing, so the JSON path can use it.
"""

from __future__ import annotations

from typing import Final

__all__ = ["BIDI", "C1", "DEL", "INVISIBLE", "SEPARATORS", "TAGS", "TERMINAL_ACTIVE"]

#: DELETE: erases a character on some terminals.
DEL: Final = 0x7F
#: The C1 controls (U+009B is a CSI, U+009D an OSC: a terminal acts on them).
C1: Final = range(0x80, 0xA0)
#: The bidirectional controls: embeddings, overrides, isolates and marks.
BIDI: Final = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
#: Invisible format characters that hide text (the joiners U+200C / U+200D are not here:
#: emoji sequences and scripts need them).
INVISIBLE: Final = (0x200B, *range(0x2060, 0x2065), *range(0x206A, 0x2070), 0xFEFF)
#: The line and paragraph separators: some viewers break a line there.
SEPARATORS: Final = (0x2028, 0x2029)
#: The Unicode tag characters: invisible ASCII (hidden instructions to a model).
TAGS: Final = range(0xE0000, 0xE0080)
#: Beyond C0 (which JSON escapes by itself), what a terminal or a viewer acts on:
#: what JsonFormatter never writes raw.
TERMINAL_ACTIVE: Final = frozenset((DEL, *C1, *BIDI, *SEPARATORS, *TAGS))
