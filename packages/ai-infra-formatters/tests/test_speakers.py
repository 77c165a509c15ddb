"""Who is speaking: token lines of several nodes never mix (issue 12, item 4)."""

from __future__ import annotations

import io
from typing import Any

from fmt_support import assert_terminal_safe, make_console, sgr_sequences, strip_sgr
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_formatters import ConsoleFormatter, EventWriter, JsonFormatter
from ai_infra_formatters.speakers import HOLD_LIMIT, speaker_of


def token(text: str, node: str | None = None, namespace: list[str] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "token", "content": text}
    if node is not None:
        event["node_name"] = node
    if namespace is not None:
        event["namespace"] = namespace
    return event


def written(*events: dict[str, Any], layout: str = "plain") -> str:
    stream = io.StringIO()
    writer = EventWriter(stream)
    formatter = ConsoleFormatter(layout, colors_enabled=False, file=stream)
    for event in events:
        writer.write(event, formatter)
    writer.end_line()
    return stream.getvalue()


def test_a_supervisor_and_its_agent_each_get_their_own_labelled_line():
    out = written(
        token("Asking the weather expert.", "supervisor"),
        {"type": "tool_start", "tool": "transfer_to_weather", "node_name": "supervisor"},
        token("Checking Paris.", "agent", ["weather:1"]),
        token(" Sunny, 21C.", "agent", ["weather:1"]),
        token("2 + 3 = 5.", "supervisor"),
    )
    assert out == (
        "[supervisor] Asking the weather expert.\n"
        "⚙ [supervisor] transfer_to_weather\n"
        "[weather \u203a agent] Checking Paris. Sunny, 21C.\n"
        "[supervisor] 2 + 3 = 5.\n"
    )


def test_a_speaker_that_goes_on_after_a_tool_call_is_not_labelled_again():
    out = written(
        token("Reading.", "model"),
        {"type": "tool_start", "tool": "read", "node_name": "model"},
        token("Done.", "model"),
    )
    assert out == "[model] Reading.\n⚙ [model] read\nDone.\n"


def test_two_speakers_at_once_never_share_a_line():
    events = []
    first = ["the", "capital", "of", "France"]
    second = ["that", "claim", "looks", "right"]
    for a, b in zip(first, second, strict=True):
        events += [token(a + " ", "researcher"), token(b + " ", "critic")]
    events += [token("\n", "researcher"), token("done\n", "critic")]
    out = written(*events)
    assert out == ("[researcher] the capital of France \n[critic] that claim looks right done\n")


def test_the_first_speakers_tokens_appear_at_once():
    stream = io.StringIO()
    writer = EventWriter(stream)
    formatter = ConsoleFormatter("plain", colors_enabled=False, file=stream)
    writer.write(token("Hel", "model"), formatter)
    assert stream.getvalue() == "[model] Hel"
    writer.write(token("lo", "model"), formatter)
    assert stream.getvalue() == "[model] Hello"


def test_held_text_is_written_before_the_next_event_line():
    out = written(
        token("first ", "a"),
        token("second", "b"),  # held: a's line is open
        {"type": "tool_start", "tool": "search"},
    )
    assert out == "[a] first \n[b] second\n⚙ search\n"


def test_too_much_held_text_ends_the_open_line():
    long = "x" * (HOLD_LIMIT + 1)
    out = written(token("open ", "a"), token(long, "b"), token("more", "a"))
    assert out == f"[a] open \n[b] {long}\n[a] more\n"


def test_tokens_without_a_node_are_not_labelled_and_join_the_open_line():
    assert written(token("Hello "), token("world")) == "Hello world\n"
    assert written(token("Hel", "model"), token("lo")) == "[model] Hello\n"


def test_labels_are_safe_and_styled_like_nodes():
    stream = io.StringIO()
    formatter = ConsoleFormatter("plain", colors_enabled=True, file=stream)
    label = formatter.speaker_label(token("x", "evil\x1b]52;c;Zg==\x07"))
    assert "\x1b]52" not in label
    assert "\u241b]52" in label
    assert label.endswith(" ")


def test_json_output_has_no_labels():
    stream = io.StringIO()
    writer = EventWriter(stream)
    writer.write(token("a", "model"), JsonFormatter())
    assert stream.getvalue() == '{"type":"token","content":"a","node_name":"model"}\n'


def test_speaker_of_reads_dicts_and_objects_and_never_raises():
    class Event:
        node_name = "model"
        namespace = ("agent:1",)

    assert speaker_of(token("x", "model", ["agent:1"])) == (("agent:1",), "model")
    assert speaker_of(Event()) == (("agent:1",), "model")
    assert speaker_of(token("x")) is None
    assert speaker_of({"type": "token", "node_name": ["unhashable"]}) is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.text(alphabet="xy \n", min_size=1, max_size=6),
        ),
        max_size=40,
    )
)
def test_no_text_is_lost_and_no_line_mixes_two_named_speakers(
    script: list[tuple[str | None, str]],
) -> None:
    out = written(*(token(text, node) for node, text in script))
    lines = out.splitlines()
    # No line holds two labels, and labels only start lines.
    for line in lines:
        labels = [n for n in ("a", "b", "c") if f"[{n}] " in line]
        assert len(labels) <= 1
        assert not labels or line.startswith(f"[{labels[0]}] ")
    bare = "".join(
        line.removeprefix("[a] ").removeprefix("[b] ").removeprefix("[c] ") for line in lines
    )
    # Nothing is lost or made up: the same characters, newlines aside...
    assert sorted(bare) == sorted("".join(text for _, text in script).replace("\n", ""))
    # ... and each speaker's text in its own order.
    for node in ("a", "b", "c"):
        rest = iter(bare)
        own = "".join(text for who, text in script if who == node).replace("\n", "")
        assert all(char in rest for char in own)


def reasoning(text: str, node: str | None = None) -> dict[str, Any]:
    event = token(text, node)
    event["type"] = "reasoning"
    return event


def test_reasoning_streams_inline_on_lines_of_its_own() -> None:
    out = written(
        reasoning("Let ", "model"),
        reasoning("me check.", "model"),
        token("The ", "model"),
        token("answer.", "model"),
        {"type": "tool_start", "tool": "x", "node_name": "model"},
        reasoning("Hmm.", "model"),
        token("Done.", "model"),
    )
    assert out == (
        "[model] \u2234 Let me check.\n"
        "[model] The answer.\n"
        "\u2699 [model] x\n"
        "[model] \u2234 Hmm.\n"
        "[model] Done.\n"
    )


def test_reasoning_without_a_node_never_shares_a_line_with_the_answer() -> None:
    out = written(reasoning("think "), reasoning("more"), token("answer"), reasoning("again"))
    assert out == "\u2234 think more\nanswer\n\u2234 again\n"


def test_reasoning_is_styled_apart_from_the_answer() -> None:
    stream = io.StringIO()
    writer = EventWriter(stream)
    formatter = ConsoleFormatter("plain", console=make_console())  # a colour terminal
    writer.write(reasoning("why"), formatter)
    writer.write(token("what"), formatter)
    writer.end_line()
    first, second = stream.getvalue().splitlines()
    assert strip_sgr(first) == "\u2234 why"
    assert first.startswith("\x1b[2;3m")  # dim italic, from the theme
    assert strip_sgr(second) == "what"
    assert "\x1b[2;3m" not in second


def test_a_thinking_event_shows_what_the_model_thinks() -> None:
    assert written({"type": "thinking", "content": "Let me check the docs"}) == (
        "\u2026 Let me check the docs\n"
    )
    assert written({"type": "thinking", "model": "gpt"}) == "\u2026 Thinking (gpt)\n"


def test_reasoning_hides_at_the_minimal_visibility() -> None:
    stream = io.StringIO()
    writer = EventWriter(stream)
    formatter = ConsoleFormatter("plain", colors_enabled=False, file=stream, visibility="minimal")
    writer.write(reasoning("secret"), formatter)
    writer.write(token("shown"), formatter)
    writer.end_line()
    assert stream.getvalue() == "shown\n"


_HOSTILE = st.lists(
    st.sampled_from(
        ["a", "\n", "\x1b]52;c;Zg==\x07", "\x1b[2J", "\x1b[31m", "\x9b31m", "\u202e", "\U000e0041"]
    ),
    max_size=6,
).map("".join)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["token", "reasoning", "tool_start"]),
            st.one_of(st.none(), _HOSTILE),
            st.lists(_HOSTILE, max_size=2),
            _HOSTILE,
        ),
        max_size=12,
    )
)
def test_labels_held_text_and_reasoning_reach_a_terminal_only_as_styled(
    script: list[tuple[str, str | None, list[str], str]],
) -> None:
    # Hostile node names, namespaces and text through the writer's speaker lines, held
    # text and reasoning lines, with colours on: only the theme's SGR codes survive.
    stream = io.StringIO()
    writer = EventWriter(stream)
    formatter = ConsoleFormatter("plain", console=make_console())
    for kind, node, namespace, text in script:
        event: dict[str, Any] = {"type": kind, "content": text, "tool": text}
        if node is not None:
            event["node_name"] = node
        if namespace:
            event["namespace"] = namespace
        writer.write(event, formatter)
    writer.end_line()
    out = stream.getvalue()
    theme = {code for pair in formatter._codes.values() for code in pair if code}
    assert set(sgr_sequences(out)) <= theme  # every SGR left is one the theme made
    assert_terminal_safe(strip_sgr(out))
