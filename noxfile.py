"""The project's task runner: tests on every Python of the machine, lint, demo, benchmarks.

``nox`` with no arguments runs the whole test matrix and lint. Each package is
tested against its *built wheel* installed into a fresh virtualenv, never against
the source tree, so a file missing from the wheel fails the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
FORMATTERS = ROOT / "packages" / "ai-infra-formatters"
EXECUTOR = ROOT / "packages" / "ai-infra-executor"

FORMATTER_PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
EXECUTOR_PYTHONS = ["3.11", "3.12", "3.13"]
LINT_PYTHON = "3.11"
#: The Python whose test sessions run every Hypothesis property at full strength.
FULL_PROPERTIES_PYTHON = "3.12"
TEST_DEPS = [
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "pytest-xdist>=3.5",
    "hypothesis>=6.100",
    "pyte>=0.8",
]
UPSTREAM_AI_INFRA = "ai-infra==1.19.0"
# The last ai-infra whose wheel has the executor's streaming module (1.6.0 removed it).
UPSTREAM_AI_INFRA_EXECUTOR = "ai-infra==1.5.2"
# AG-UI's protocol models and its conformance validator (which needs Python 3.11+).
AG_UI_VALIDATORS = ["ag-ui-protocol>=1.0,<2", "ag-ui-validate>=0.4"]
NODE_TESTS = FORMATTERS / "tests" / "node"
# What the README's web endpoint (examples/web_endpoint.py) and its test need.
WEB_EXAMPLE_DEPS = ["starlette>=0.37", "httpx>=0.27"]
# Drives the machine's Chromium (Debian's package, by its path: no browser download)
# for the watching page's tests.
BROWSER_DEPS = ["playwright>=1.45"]
# The graphs people run, to test the executor against: LangChain's create_agent,
# langgraph-supervisor and langgraph-swarm.
REAL_GRAPH_DEPS = ["langchain>=1.0,<2", "langgraph-supervisor>=0.0.31", "langgraph-swarm>=0.1"]

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = [
    "tests-formatters",
    "tests-executor",
    "web-protocols",
    "upstream-compat",
    "lint",
]
# Never let uv fetch an interpreter: the matrix runs on the Pythons the machine has.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _expose_pyenv_pythons() -> None:
    """Make every pyenv-installed 3.10-3.13 visible on PATH (pyenv shims read PYENV_VERSION).

    A machine with only one pyenv Python on PATH still runs the full matrix. The
    versions already selected (PYENV_VERSION, which pyenv's own shim sets for the
    Python running nox) stay first; missing minors are appended.
    """
    if shutil.which("pyenv") is None:
        return
    try:
        bare = subprocess.run(
            ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True
        ).stdout.split()
        current = (
            os.environ.get("PYENV_VERSION")
            or subprocess.run(
                ["pyenv", "version-name"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        return
    chosen = [v for v in current.split(":") if v]
    for minor in FORMATTER_PYTHONS:
        patches = [v for v in bare if re.fullmatch(rf"{re.escape(minor)}\.\d+", v)]
        if patches:
            best = max(patches, key=lambda v: int(v.rsplit(".", 1)[1]))
            if best not in chosen:
                chosen.append(best)
    if chosen:
        os.environ["PYENV_VERSION"] = ":".join(chosen)


_expose_pyenv_pythons()


def build_wheel(session: nox.Session, package: Path) -> Path:
    """Build *package*'s wheel into the session's tmp dir and return its path."""
    out = Path(session.create_tmp()) / "dist" / package.name
    shutil.rmtree(out, ignore_errors=True)
    session.run(
        "uv", "build", "--wheel", "--quiet", "--out-dir", str(out), str(package), external=True
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def run_pytest(session: nox.Session, *tests: Path) -> None:
    session.run(
        "pytest",
        *map(str, tests),
        "-p",
        "no:cacheprovider",
        # One worker a core; a test file stays on one worker (its module fixtures, such
        # as the bench's smoke run, run once).
        "-n",
        "auto",
        "--dist",
        "loadfile",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", _profile(session))},
    )


def _profile(session: nox.Session) -> str:
    """The Hypothesis profile of a test session: every property's 500 examples on
    one Python (``ci``), the same properties with 100 on the others (``ci-quick``);
    ``HYPOTHESIS_PROFILE`` set in the environment wins."""
    return "ci" if session.python == FULL_PROPERTIES_PYTHON else "ci-quick"


@nox.session(name="tests-formatters", python=FORMATTER_PYTHONS, tags=["tests"])
def tests_formatters(session: nox.Session) -> None:
    """ai-infra-formatters' tests against its built wheel."""
    wheel = build_wheel(session, FORMATTERS)
    session.install(str(wheel), *TEST_DEPS)
    run_pytest(session, FORMATTERS / "tests")


@nox.session(name="web-protocols", python=FULL_PROPERTIES_PYTHON)
def web_protocols(session: nox.Session) -> None:
    """The web protocol encoders against each protocol's own validators: AG-UI's
    models and conformance checker (Python), the AI SDK's UI message stream parser
    (the npm ``ai`` package, pinned by tests/node's lockfile, run by Node); on
    streams made by hand and on whole executor runs over real LangGraph graphs. And the
    watching page in a real headless Chromium (Debian's ``chromium``, driven by
    Playwright), served from a Redis run log (``redis-server``)."""
    if shutil.which("npm") is None:
        session.error("npm is needed: the AI SDK's parser runs in Node")
    session.run("npm", "ci", "--silent", "--prefix", str(NODE_TESTS), external=True)
    formatters = build_wheel(session, FORMATTERS)
    executor = build_wheel(session, EXECUTOR)
    session.install(
        f"{executor}[langgraph,server]",
        str(formatters),
        *TEST_DEPS,
        *REAL_GRAPH_DEPS,
        *AG_UI_VALIDATORS,
        *WEB_EXAMPLE_DEPS,
        *BROWSER_DEPS,
    )
    session.env["AI_INFRA_WEB_VALIDATORS"] = "required"
    # A missing Chromium, playwright or redis-server fails the browser tests here.
    session.env["AI_INFRA_BROWSER"] = "required"
    tests = FORMATTERS / "tests"
    run_pytest(
        session,
        tests / "test_ag_ui.py",
        tests / "test_vercel_ai.py",
        tests / "test_web_output.py",
        EXECUTOR / "tests" / "test_web_protocol_runs.py",
        EXECUTOR / "tests" / "test_web_endpoint_example.py",
        EXECUTOR / "tests" / "test_browser_page.py",
    )


@nox.session(name="tests-executor", python=EXECUTOR_PYTHONS, tags=["tests"])
def tests_executor(session: nox.Session) -> None:
    """ai-infra-executor's tests against its built wheel and the sibling formatter wheel."""
    formatters = build_wheel(session, FORMATTERS)
    executor = build_wheel(session, EXECUTOR)
    session.install(
        f"{executor}[langgraph,server]", str(formatters), *TEST_DEPS, *REAL_GRAPH_DEPS, "httpx"
    )
    run_pytest(session, EXECUTOR / "tests")


def _upstream_files(session: nox.Session, tmp: Path, requirement: str, *members: str) -> list[Path]:
    """Download *requirement*'s wheel (no dependencies) into *tmp* and copy out
    its files *members*; skips the session when the index cannot be reached."""
    out = tmp / requirement.replace("==", "-")
    out.mkdir(parents=True)
    try:
        session.run(
            "python",
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(out),
            requirement,
        )
    except nox.command.CommandFailed:
        session.skip(f"could not download {requirement} from the package index")
    (wheel,) = out.glob("ai_infra-*.whl")
    paths = []
    with zipfile.ZipFile(wheel) as zf:
        for member in members:
            path = out / member.replace("/", "_")
            path.write_bytes(zf.read(member))
            paths.append(path)
    return paths


@nox.session(name="upstream-compat", python=LINT_PYTHON)
def upstream_compat(session: nox.Session) -> None:
    """Check the executor against the published ai-infra's modules it replaces.

    Downloads ai-infra wheels without their dependencies and loads single
    stdlib-only files by path (importing the ``ai_infra`` package would pull in
    all of LangChain): the core ``ai_infra/llm/streaming.py`` and
    ``ai_infra/utils/formatters.py`` of 1.19.0, and the executor's old
    ``ai_infra/executor/streaming.py`` of 1.5.2.
    """
    tmp = Path(session.create_tmp()) / "upstream"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    session.install("pip")
    streaming, old_formatters = _upstream_files(
        session, tmp, UPSTREAM_AI_INFRA, "ai_infra/llm/streaming.py", "ai_infra/utils/formatters.py"
    )
    (executor_streaming,) = _upstream_files(
        session, tmp, UPSTREAM_AI_INFRA_EXECUTOR, "ai_infra/executor/streaming.py"
    )
    formatters = build_wheel(session, FORMATTERS)
    executor = build_wheel(session, EXECUTOR)
    session.install(str(executor), str(formatters), *TEST_DEPS)
    session.run(
        "pytest",
        str(EXECUTOR / "tests" / "upstream"),
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={
            "AI_INFRA_UPSTREAM_STREAMING": str(streaming),
            "AI_INFRA_UPSTREAM_FORMATTERS": str(old_formatters),
            "AI_INFRA_UPSTREAM_EXECUTOR_STREAMING": str(executor_streaming),
        },
    )


@nox.session(python=LINT_PYTHON, tags=["lint"])
def lint(session: nox.Session) -> None:
    """ruff (lint + format check), mypy --strict on both packages, the CI workflow's schema."""
    session.install(
        "ruff",
        "mypy",
        "check-jsonschema",
        *TEST_DEPS,
        "-e",
        str(FORMATTERS),
        "-e",
        # server: mypy checks run_log_redis (and the server) against redis-py's types.
        f"{EXECUTOR}[langgraph,server]",
    )
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--python-version", "3.10", str(FORMATTERS / "src" / "ai_infra_formatters"))
    session.run("mypy", "--python-version", "3.11", str(EXECUTOR / "src" / "ai_infra_executor"))
    session.run(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        *(str(p) for p in sorted((ROOT / ".github" / "workflows").glob("*.yml"))),
    )


@nox.session(python=LINT_PYTHON)
def demo(session: nox.Session) -> None:
    """Install the built wheels and run the demo (pass a format: ``nox -s demo -- rich``)."""
    formatters = build_wheel(session, FORMATTERS)
    executor = build_wheel(session, EXECUTOR)
    session.install(f"{executor}[langgraph]", str(formatters))
    fmt = session.posargs[0] if session.posargs else "rich"
    session.run("ai-infra-executor", "demo", "--format", fmt, "--approve")


@nox.session(python=LINT_PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmarks (bench/run.py) against the built wheels; fails when a target is missed.

    ``nox -s bench -- --smoke`` runs a tiny corpus in seconds (targets reported,
    not enforced); any other argument goes to bench/run.py (``-- --help``). The
    table is printed and the results are written to ``.bench/results.json``.
    """
    formatters = build_wheel(session, FORMATTERS)
    executor = build_wheel(session, EXECUTOR)
    # pip: bench/upstream.py downloads ai-infra's wheel for the upstream baselines.
    # Bytecode compiled at install, as pip does for every user (uv does not by
    # default): the import rows measure importing, not compiling the sources.
    # server, langgraph: the serve rows (bench/serve_rows.py) run the demo graph,
    # publish to a redis-server and start `ai-infra-executor serve` (skipped, with the
    # reason, when redis-server is not installed).
    session.install(
        f"{executor}[server,langgraph]", str(formatters), "pip", env={"UV_COMPILE_BYTECODE": "1"}
    )
    session.run(
        "python",
        str(ROOT / "bench" / "run.py"),
        "--out",
        str(ROOT / ".bench" / "results.json"),
        *session.posargs,
    )
