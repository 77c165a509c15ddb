"""Import costs and the old import paths (``ai_infra_executor.streaming``)."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys

import pytest

import ai_infra_executor
import ai_infra_executor.streaming as facade

OLD_NAMES = [
    "StreamEventType",
    "ExecutorStreamEvent",
    "StreamingConfig",
    "OutputFormat",
    "StreamFormatter",
    "PlainFormatter",
    "MinimalFormatter",
    "JsonFormatter",
    "get_formatter",
    "stream_to_console",
    "create_run_start_event",
    "create_run_end_event",
    "create_node_start_event",
    "create_node_end_event",
    "create_node_error_event",
    "create_task_start_event",
    "create_task_complete_event",
    "create_task_failed_event",
    "create_interrupt_event",
    "create_resume_event",
]


def _loaded_after(code: str) -> dict[str, bool]:
    """Which heavy packages are in ``sys.modules`` after running *code* in a fresh Python."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({name: any(m == name or m.startswith(name + '.') for m in sys.modules)"
        " for name in ('rich', 'langgraph', 'langchain_core', 'ai_infra',"
        " 'redis', 'starlette', 'uvicorn')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


NOTHING_HEAVY = {
    "rich": False,
    "langgraph": False,
    "langchain_core": False,
    "ai_infra": False,
    "redis": False,
    "starlette": False,
    "uvicorn": False,
}


def test_importing_the_package_loads_neither_rich_nor_langgraph():
    assert _loaded_after("import ai_infra_executor") == NOTHING_HEAVY


def test_the_memory_run_log_and_the_publisher_load_no_server_library():
    code = (
        "import asyncio\n"
        "from ai_infra_executor import MemoryRunLog, Publisher, RunLog, new_run_id\n"
        "from ai_infra_executor.publish import publish\n"
        "log = MemoryRunLog()\n"
        "asyncio.run(publish([{'type': 'node_start'}], log, 'r'))\n"
    )
    assert _loaded_after(code) == NOTHING_HEAVY


def test_only_the_redis_run_log_loads_redis():
    loaded = _loaded_after("from ai_infra_executor import RedisRunLog")
    assert loaded == {**NOTHING_HEAVY, "redis": True}


def test_the_package_and_its_cli_import_no_server_library():
    code = "import ai_infra_executor, ai_infra_executor.cli, ai_infra_executor.run_log"
    loaded = _loaded_after(code)
    assert (loaded["starlette"], loaded["uvicorn"], loaded["redis"]) == (False, False, False)


def test_the_server_imports_starlette_but_neither_uvicorn_nor_rich():
    loaded = _loaded_after("import ai_infra_executor.server")
    assert loaded["starlette"] is True
    assert (loaded["uvicorn"], loaded["rich"], loaded["redis"]) == (False, False, False)


def test_the_facade_and_json_output_do_not_load_rich():
    code = (
        "import io\n"
        "from ai_infra_executor.streaming import (\n"
        "    JsonFormatter, StreamingConfig, create_task_start_event, stream_to_console)\n"
        "cfg = StreamingConfig.json_output(); cfg.output_stream = io.StringIO()\n"
        "stream_to_console(create_task_start_event({'title': 'T'}, 1, 2), cfg)\n"
        "assert cfg.output_stream.getvalue().startswith('{')\n"
    )
    assert _loaded_after(code)["rich"] is False


def test_a_star_import_resolves_every_name_so_it_loads_rich():
    # ``import *`` fetches every name of ``__all__``, the lazy console formatters too.
    assert _loaded_after("from ai_infra_executor.streaming import *")["rich"] is True


def test_asking_for_a_console_formatter_loads_rich():
    assert _loaded_after("from ai_infra_executor.streaming import PlainFormatter")["rich"] is True


@pytest.mark.parametrize("name", OLD_NAMES)
def test_old_names_import_from_the_facade(name):
    assert name in facade.__all__
    assert getattr(facade, name) is not None


def test_facade_formatters_are_the_formatter_packages_own():
    import ai_infra_formatters

    for name in ("PlainFormatter", "MinimalFormatter", "ConsoleFormatter", "JsonFormatter"):
        assert getattr(facade, name) is getattr(ai_infra_formatters, name)
    assert facade.OutputFormat is ai_infra_formatters.OutputFormat
    assert facade.StreamFormatter is ai_infra_formatters.StreamFormatter


def test_facade_dir_lists_the_lazy_names_and_unknown_names_raise():
    assert {"PlainFormatter", "MinimalFormatter"} <= set(dir(facade))
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = facade.NoSuchThing


@pytest.mark.parametrize("module", [ai_infra_executor, facade], ids=lambda m: m.__name__)
def test_every_name_in_all_exists(module):
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert len(set(module.__all__)) == len(module.__all__)


def test_version_and_py_typed_ship_with_the_package():
    assert ai_infra_executor.__version__.count(".") == 2
    assert importlib.resources.files("ai_infra_executor").joinpath("py.typed").is_file()


def test_the_licence_and_project_urls_are_in_the_metadata() -> None:
    import importlib.metadata

    meta = importlib.metadata.metadata("ai-infra-executor")
    assert meta["License-Expression"] == "MIT"
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    assert set(urls) >= {"Homepage", "Repository", "Issues"}
    files = importlib.metadata.files("ai-infra-executor") or []
    (licence,) = [f for f in files if f.name == "LICENSE"]
    assert licence.read_text("utf-8").startswith("MIT License")
