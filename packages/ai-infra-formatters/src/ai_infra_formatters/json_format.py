"""`JsonFormatter`: one compact JSON object a line (NDJSON), by orjson.

This module does not import Rich: a JSON-only consumer never pays for it.

Every event gives exactly one valid JSON line that carries its ``type``. Values
orjson cannot encode natively (bytes, sets, Decimal, exceptions, arbitrary
objects) go through :func:`json_default`; what still fails (ints beyond 64 bits,
lone surrogates, non-string keys, cycles, nesting deeper than orjson allows)
goes through :func:`to_jsonable`, a slower walk that always succeeds.

NDJSON often ends up on a terminal (``--format json`` in a shell). orjson escapes
the C0 controls but writes every other character raw, including ones a
terminal acts on: DEL, the C1 controls (``U+009B`` is a CSI), the bidirectional
controls, the line and paragraph separators U+2028/U+2029 and the Unicode tag
characters (U+E0000-U+E007F, invisible). :class:`JsonFormatter` writes those
as ``\\u009b``-style escapes (a surrogate pair for a tag character): still valid
JSON that decodes to the same data. Only a line holding DEL or a byte one of
them starts with is searched with a regular expression: an ASCII line costs two
C-speed checks more, a line with other non-ASCII text a few more.
"""

from __future__ import annotations

import functools
import os
import re  # already imported by orjson: costs nothing here
import sys
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

import orjson

from ai_infra_formatters.event_types import KNOWN_EVENT_TYPES
from ai_infra_formatters.events import event_to_dict, finish_event_dict, known_to_dict
from ai_infra_formatters.unsafe_chars import TERMINAL_ACTIVE
from ai_infra_formatters.visibility import (
    filter_fields,
    hidden_event_types,
    hidden_fields,
    parse_visibility,
)

__all__ = ["JsonFormatter", "dumps_event", "json_default", "to_jsonable"]

_dumps: Final = orjson.dumps  # one global lookup on the hot paths, not two

# What orjson raises for a value it cannot encode (a cycle, a big int, a surrogate...).
_ENCODE_ERRORS: Final = (TypeError, orjson.JSONEncodeError, RecursionError)

#: How deep :func:`to_jsonable` descends before it replaces a value by a marker.
MAX_DEPTH: Final = 128
_INT64_MIN: Final = -(2**63)
_UINT64_MAX: Final = 2**64 - 1


def json_default(value: Any) -> Any:
    """orjson's ``default`` hook: a JSON-friendly stand-in for *value*. Never raises."""
    try:
        if isinstance(value, (set, frozenset)):
            return _sorted_if_possible(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value).decode("utf-8", "backslashreplace")
        if isinstance(value, BaseException):
            return f"{type(value).__name__}: {value}"
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        # A Decimal exists only where its module was imported: no import needed here.
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(value, decimal.Decimal):
            return str(value)
        if isinstance(value, Mapping):
            return dict(value)
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            result = to_dict()
            if isinstance(result, dict):
                return result
        return str(value)
    except Exception:
        return _unrepresentable(value)


def to_jsonable(value: Any, *, max_depth: int = MAX_DEPTH) -> Any:
    """A copy of *value* made only of JSON types (str, int, float, bool, None, list, dict).

    Strings lose lone surrogates (→ U+FFFD), ints beyond 64 bits become strings,
    keys become strings, a cycle becomes ``"<cycle>"`` and anything deeper than
    *max_depth* becomes ``"<max depth>"``. Never raises.
    """
    return _walk(value, max_depth, set())


def _walk(value: Any, depth: int, active: set[int]) -> Any:
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, int):
        if _INT64_MIN <= value <= _UINT64_MAX:
            return int(value)
        return _big_int_text(int(value))
    if isinstance(value, Enum):
        return _walk(value.value, depth, active)
    if depth <= 0:
        return "<max depth>"
    is_container = isinstance(value, (dict, list, tuple, Mapping)) or _is_dataclass_instance(value)
    if is_container:
        key = id(value)
        if key in active:
            return "<cycle>"
        active.add(key)
        try:
            return _walk_container(value, depth - 1, active)
        finally:
            active.discard(key)
    try:
        orjson.dumps(value)
    except Exception:
        return _walk(json_default(value), depth - 1, active)
    # A type orjson encodes natively (datetime, UUID, ...): let it.
    return value


def _walk_container(value: Any, depth: int, active: set[int]) -> Any:
    if isinstance(value, (list, tuple)):
        return [_walk(item, depth, active) for item in value]
    if _is_dataclass_instance(value):
        import dataclasses

        items: Any = ((f.name, getattr(value, f.name, None)) for f in dataclasses.fields(value))
    else:
        try:
            items = list(value.items())
        except Exception:
            return _unrepresentable(value)
    out: dict[str, Any] = {}
    for k, v in items:
        out[_key(k)] = _walk(v, depth, active)
    return out


def _big_int_text(value: int) -> str:
    """Decimal text of an int JSON readers cannot hold; hex beyond Python's 4300-digit limit."""
    try:
        return str(value)
    except ValueError:  # sys.get_int_max_str_digits() (3.11+) refuses it
        return hex(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _clean_str(key)
    if isinstance(key, Enum):
        key = key.value
    try:
        return _clean_str(str(key))
    except Exception:
        return _unrepresentable(key)


def _clean_str(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return re.sub("[\ud800-\udfff]", "\ufffd", text)
    return text


def _is_dataclass_instance(value: Any) -> bool:
    return not isinstance(value, type) and hasattr(type(value), "__dataclass_fields__")


def _sorted_if_possible(values: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(values)
    except Exception:
        return list(values)


def _unrepresentable(value: Any) -> str:
    return f"<unrepresentable {type(value).__name__}>"


# -- characters a terminal acts on, written as JSON escapes -----------------------

# The code points JsonFormatter never writes raw: DEL, the C1 controls, the bidi
# controls (embeddings, overrides, isolates, marks), U+2028/U+2029 and the tag
# characters.

# The UTF-8 forms of TERMINAL_ACTIVE, one alternative a lead byte (the test suite
# checks it against the set over every code point).
_UNSAFE_UTF8_PATTERN: Final = (
    b"\x7f"
    b"|\xc2[\x80-\x9f]"  # U+0080-U+009F
    b"|\xd8\x9c"  # U+061C
    b"|\xe2\x80[\x8e\x8f\xa8-\xae]"  # U+200E, U+200F, U+2028-U+202E
    b"|\xe2\x81[\xa6-\xa9]"  # U+2066-U+2069
    b"|\xf3\xa0[\x80\x81][\x80-\xbf]"  # U+E0000-U+E007F
)


def _json_escape(code: int) -> bytes:
    """The JSON escape of code point *code*: ``\\u009b``, or a surrogate pair above U+FFFF."""
    if code < 0x10000:
        return b"\\u%04x" % code
    offset = code - 0x10000
    return b"\\u%04x\\u%04x" % (0xD800 + (offset >> 10), 0xDC00 + (offset & 0x3FF))


def _escape_terminal_controls(data: bytes) -> bytes:
    """*data*, UTF-8 JSON text, with every TERMINAL_ACTIVE character escaped.

    The hot paths of :class:`JsonFormatter` make its first checks inline (the
    lead bytes 0xC2, 0xE2, 0xD8, 0xF3 and DEL) and go on to :func:`_escape_flagged`
    or :func:`_escaped` only for a line those checks flag, without checking again.

    The result is valid JSON that decodes to the same value: outside strings,
    JSON text is ASCII without DEL, and a character here is never part of an
    escape sequence, so each one is replaced where it stands, inside a string.
    Searches only *data* that holds a byte one of those characters starts with.
    """
    if data.isascii():
        return data.replace(b"\x7f", b"\\u007f") if 0x7F in data else data
    if 0xC2 in data or 0xE2 in data or 0xD8 in data or 0xF3 in data or 0x7F in data:
        return _escape_flagged(data)
    return data


def _escape_flagged(data: bytes) -> bytes:
    """:func:`_escape_terminal_controls` of non-ASCII *data* that holds DEL or a lead
    byte of a TERMINAL_ACTIVE character (the checks its callers made)."""
    # Ordinary text has those lead bytes too (NBSP, curly quotes, dashes, "…"):
    # str.isprintable(), C-speed, clears most such lines before the regex runs
    # (it is False for every character escaped here).
    if data.decode("utf-8", "replace").isprintable():
        return data
    return _escaped(data)


def _escaped(data: bytes) -> bytes:
    """*data* with every TERMINAL_ACTIVE character in it escaped (the regex itself)."""
    pattern, escape = _unsafe_pattern()
    return pattern.sub(escape, data)


@functools.cache
def _unsafe_pattern() -> tuple[re.Pattern[bytes], Callable[[re.Match[bytes]], bytes]]:
    """The compiled pattern and its replacement function, made on first use."""
    escapes = {chr(code).encode(): _json_escape(code) for code in TERMINAL_ACTIVE}

    def escape(match: re.Match[bytes]) -> bytes:
        return escapes[match[0]]

    return re.compile(_UNSAFE_UTF8_PATTERN), escape


def _safe_event_name(name: str) -> str:
    """An SSE event name without line breaks, C0 controls or TERMINAL_ACTIVE."""
    return "".join(ch for ch in name if ord(ch) >= 0x20 and ord(ch) not in TERMINAL_ACTIVE)


def dumps_event(fields: Any, option: int = 0) -> bytes:
    """Serialise an event's wire-form dict with orjson, falling back to :func:`to_jsonable`."""
    try:
        return orjson.dumps(fields, default=json_default, option=option)
    except _ENCODE_ERRORS:
        return _dumps_jsonable(fields, option)


def _dumps_jsonable(fields: Any, option: int) -> bytes:
    """What :func:`dumps_event` falls back to when orjson refuses *fields*."""
    return orjson.dumps(to_jsonable(fields), default=json_default, option=option)


class JsonFormatter:
    """Render events as NDJSON: one compact JSON object a line, by orjson.

    Args:
        indent: ``None`` (default) for one compact line an event, which is what
            NDJSON readers expect; an int pretty-prints with that indent (2 is the
            fast orjson path), for humans reading a single event.
        visibility: when set, events and fields a reader at that level must not
            see are left out (an event not shown gives ``""``), as in every other
            format.
        sort_keys: sort object keys (stable output for diffs and tests).

    ``format`` returns ``str`` without the trailing newline; ``format_bytes``
    returns the bytes orjson produced, for writers that want no decode/encode
    round trip. Neither ever holds a raw DEL, C1 control, bidi control,
    U+2028/U+2029 or tag character: those are written as ``\\u`` escapes (see
    the module documentation), so the output is safe to print on a terminal.
    """

    #: Tokens are lines of their own in NDJSON, never written inline.
    inline_tokens = False

    def __init__(
        self,
        indent: int | None = None,
        *,
        visibility: str | None = None,
        sort_keys: bool = False,
    ) -> None:
        if indent is not None and (isinstance(indent, bool) or indent < 0):
            raise ValueError(f"indent must be None or a non-negative int, not {indent!r}")
        self.indent = indent
        self.visibility = parse_visibility(visibility) if visibility is not None else None
        self.sort_keys = sort_keys
        option = orjson.OPT_SORT_KEYS if sort_keys else 0
        if indent == 2:
            option |= orjson.OPT_INDENT_2
        self._option = option
        self._direct = visibility is None and (indent is None or indent == 2)
        # The visibility rules as two sets, tested once per event.
        level = self.visibility
        self._hidden_types = hidden_event_types(level) if level is not None else frozenset()
        self._hidden_fields = hidden_fields(level) if level is not None else frozenset()

    def to_dict(self, event: Any) -> dict[str, Any] | None:
        """The dict that would be serialised for *event*, or ``None`` if it is not shown."""
        fields = event_to_dict(event)
        if self.visibility is not None:
            if fields["type"] in self._hidden_types:
                return None
            if not self._hidden_fields.isdisjoint(fields):
                fields = filter_fields(fields, self.visibility)
        return fields

    def format_bytes(self, event: Any) -> bytes:
        """*event* as UTF-8 JSON bytes (no trailing newline); ``b""`` if not shown."""
        if self._direct:  # the hot path: compact, nothing filtered (format() mirrors it)
            # event_to_dict(event), written out: a call less is ~5% of an event.
            # A dict whose type is a known name is in wire form as it is; any
            # other goes through event_to_dict, which checks it in full.
            if type(event) is dict:
                try:
                    fields = event if event["type"] in KNOWN_EVENT_TYPES else event_to_dict(event)
                except Exception:  # no type, or one that cannot be hashed or compared
                    fields = event_to_dict(event)
            elif (method := known_to_dict(type(event))) is not None:
                fields = None  # what to_dict() gave: None if it raised
                try:
                    fields = method(event)
                    known = type(fields) is dict and fields["type"] in KNOWN_EVENT_TYPES
                except Exception:
                    known = False
                if not known:
                    fields = finish_event_dict(event, method, fields)
            else:
                fields = event_to_dict(event)
            try:
                # No default= here: orjson calls it only for a value it cannot
                # encode, and then dumps_event does the same with it.
                out = _dumps(fields, option=self._option)
            except _ENCODE_ERRORS:
                out = dumps_event(fields, self._option)
            # C-speed checks; only a line they flag is searched for controls.
            if out.isascii():
                return out if 0x7F not in out else _escaped(out)
            if not (0xC2 in out or 0xE2 in out or 0xD8 in out or 0xF3 in out or 0x7F in out):
                return out
            return _escape_flagged(out)
        shown = self.to_dict(event)
        if shown is None:
            return b""
        data = dumps_event(shown, self._option)
        if self.indent is not None and self.indent != 2:
            import json

            data = json.dumps(
                json.loads(data), indent=self.indent, ensure_ascii=False, sort_keys=self.sort_keys
            ).encode("utf-8")
        return _escape_terminal_controls(data)

    def format(self, event: Any) -> str:
        """*event* as one JSON object (no trailing newline); ``""`` if not shown."""
        if self._direct:
            # format_bytes' hot path, written out again: this is the hottest call
            # of all, and each call saved is 5-15% of an event.
            if type(event) is dict:
                try:
                    fields = event if event["type"] in KNOWN_EVENT_TYPES else event_to_dict(event)
                except Exception:
                    fields = event_to_dict(event)
            elif (method := known_to_dict(type(event))) is not None:
                fields = None  # what to_dict() gave: None if it raised
                try:
                    fields = method(event)
                    known = type(fields) is dict and fields["type"] in KNOWN_EVENT_TYPES
                except Exception:
                    known = False
                if not known:
                    fields = finish_event_dict(event, method, fields)
            else:
                fields = event_to_dict(event)
            try:
                # No default= here: orjson calls it only for a value it cannot
                # encode, and then dumps_event does the same with it.
                out = _dumps(fields, option=self._option)
            except _ENCODE_ERRORS:
                out = dumps_event(fields, self._option)
            text = out.decode()
            # str.isascii() reads a flag the decode set: cheaper than bytes.isascii().
            if text.isascii():
                if "\x7f" not in text:
                    return text
            elif (
                not (0xC2 in out or 0xE2 in out or 0xD8 in out or 0xF3 in out or 0x7F in out)
                or text.isprintable()  # curly quotes and dashes: nothing a terminal acts on
            ):
                return text
            return _escaped(out).decode()  # a line the checks above flagged
        return self.format_bytes(event).decode()

    def format_sse(self, event: Any, *, event_name: str | None = None) -> str:
        """*event* framed for Server-Sent Events: ``[event: NAME\\n]data: {...}\\n\\n``.

        The data is always compact (one ``data:`` line), with the characters a
        terminal acts on escaped as in :meth:`format`. *event_name* is the SSE
        event name; line breaks, other control characters and those characters
        are removed from it. ``""`` if the event is not shown.
        """
        fields = self.to_dict(event)
        if fields is None:
            return ""
        data = dumps_event(fields, self._option & orjson.OPT_SORT_KEYS)
        text = _escape_terminal_controls(data).decode("utf-8")
        if event_name is None:
            return f"data: {text}\n\n"
        return f"event: {_safe_event_name(event_name)}\ndata: {text}\n\n"
