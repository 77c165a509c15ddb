"""OutputFormat: a str enum with a forgiving, well-explained parser."""

from __future__ import annotations

import pytest

from ai_infra_formatters import OutputFormat


def test_members_are_three_layouts_json_and_two_web_protocols() -> None:
    assert [m.value for m in OutputFormat] == [
        "plain", "rich", "json", "minimal", "ag-ui", "vercel-ai"
    ]  # fmt: skip
    assert [m.name for m in OutputFormat][-2:] == ["AG_UI", "VERCEL_AI"]
    assert [m.value for m in OutputFormat if m.is_console] == ["plain", "rich", "minimal"]
    assert [m.value for m in OutputFormat if m.is_web] == ["ag-ui", "vercel-ai"]
    assert OutputFormat.parse("AG-UI") is OutputFormat.AG_UI


def test_is_a_str_enum() -> None:
    assert isinstance(OutputFormat.JSON, str)
    assert OutputFormat.JSON == "json"
    assert str(OutputFormat.RICH) == "rich"
    assert f"{OutputFormat.MINIMAL}" == "minimal"
    assert {"plain": 1}[OutputFormat.PLAIN] == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", OutputFormat.PLAIN),
        ("PLAIN", OutputFormat.PLAIN),
        ("Rich", OutputFormat.RICH),
        (" json ", OutputFormat.JSON),
        ("MiNiMaL", OutputFormat.MINIMAL),
        (OutputFormat.JSON, OutputFormat.JSON),
    ],
)
def test_parse_is_case_insensitive(text: str, expected: OutputFormat) -> None:
    assert OutputFormat.parse(text) is expected


def test_constructor_accepts_any_case() -> None:
    assert OutputFormat("JSON") is OutputFormat.JSON
    assert OutputFormat("Plain") is OutputFormat.PLAIN


@pytest.mark.parametrize("bad", ["xml", "", "jsonl", "plain-text", None, 3])
def test_parse_rejects_unknown_with_the_choices(bad: object) -> None:
    with pytest.raises(ValueError, match="output format") as info:
        OutputFormat.parse(bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert repr(bad) in message
    for choice in ("plain", "rich", "json", "minimal"):
        assert choice in message


def test_constructor_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="xml"):
        OutputFormat("xml")
