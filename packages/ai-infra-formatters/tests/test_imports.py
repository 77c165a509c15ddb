"""Import cost and packaging: the JSON path never imports Rich; the wheel ships py.typed."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import ai_infra_formatters

PACKAGE_DIR = Path(ai_infra_formatters.__file__).resolve().parent
EDITABLE = "/src/" in PACKAGE_DIR.as_posix()


def run_python(code: str) -> str:
    """Run *code* in a fresh interpreter (this one) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_json_path_never_imports_rich() -> None:
    out = run_python(
        "import sys\n"
        "import ai_infra_formatters as f\n"
        "line = f.JsonFormatter().format({'type': 'token', 'content': 'x'})\n"
        'assert line == \'{"type":"token","content":"x"}\', line\n'
        "f.stream_to_console({'type': 'done'}, format='json')\n"
        "f.get_formatter('json').format({'type': 'error', 'error': 'e'})\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    assert out.splitlines()[-1] == "[]"


def test_console_formatter_loads_rich_on_first_use() -> None:
    out = run_python(
        "import sys\n"
        "import ai_infra_formatters\n"
        "before = 'rich' in sys.modules\n"
        "from ai_infra_formatters import ConsoleFormatter\n"
        "print(before, 'rich' in sys.modules, ConsoleFormatter.__module__)\n"
    )
    assert out == "False True ai_infra_formatters.console"


def test_console_format_via_get_formatter_loads_rich() -> None:
    out = run_python(
        "import sys\n"
        "from ai_infra_formatters import get_formatter\n"
        "print('rich' in sys.modules, end=' ')\n"
        "get_formatter('plain')\n"
        "print('rich' in sys.modules)\n"
    )
    assert out == "False True"


def test_public_names() -> None:
    for name in ai_infra_formatters.__all__:
        assert getattr(ai_infra_formatters, name) is not None, name
    assert {"ConsoleFormatter", "PlainFormatter", "MinimalFormatter", "RichFormatter"} <= set(
        dir(ai_infra_formatters)
    )
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = ai_infra_formatters.NoSuchThing  # type: ignore[attr-defined]


def test_version_matches_metadata() -> None:
    assert ai_infra_formatters.__version__ == importlib.metadata.version("ai-infra-formatters")


def test_runtime_dependencies_are_rich_and_orjson_only() -> None:
    requires = importlib.metadata.requires("ai-infra-formatters") or []
    names = {
        req.split(";")[0].split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for req in requires
        if "extra ==" not in req
    }
    assert names == {"rich", "orjson"}


def test_py_typed_is_shipped() -> None:
    assert (PACKAGE_DIR / "py.typed").is_file()
    if EDITABLE:
        return
    files = importlib.metadata.files("ai-infra-formatters") or []
    assert any(str(f).replace("\\", "/") == "ai_infra_formatters/py.typed" for f in files)


def test_installed_from_the_wheel_not_the_source_tree() -> None:
    if EDITABLE:
        pytest.skip("editable development install: the wheel check runs under nox")
    purelib = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert PACKAGE_DIR.is_relative_to(purelib)
    assert "site-packages" in PACKAGE_DIR.parts


def test_console_script_is_declared() -> None:
    scripts = importlib.metadata.entry_points(group="console_scripts")
    (entry,) = [ep for ep in scripts if ep.name == "ai-infra-format"]
    assert entry.value == "ai_infra_formatters.cli:main"


def test_the_licence_and_project_urls_are_in_the_metadata() -> None:
    meta = importlib.metadata.metadata("ai-infra-formatters")
    assert meta["License-Expression"] == "MIT"
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Repository", "Issues"}
    assert all(url.startswith("https://") for url in urls.values())
    files = importlib.metadata.files("ai-infra-formatters") or []
    (licence,) = [f for f in files if f.name == "LICENSE"]
    assert licence.read_text("utf-8").startswith("MIT License")
