"""The winit pytest plugin: the ``claim`` marker, the ``evidence`` fixture and ``--winit-results``.

A property test is marked ``@pytest.mark.claim(CLAIM)`` with the :class:`~winit.claims.Claim`
its file defines, and takes ``evidence``, a fresh :class:`~winit.claims.Evidence` for that test
(shared by the hypothesis examples of the test); the records of all tests of a claim are merged
in collection order into the claim's results.

At collection the plugin refuses (a usage error naming the claim) two claims with one id and a
claim whose planned checks exceed the false-alarm budget under the thorough profile. Without a
``--hypothesis-profile`` it loads the project's ``dev`` profile (``ci`` where the ``CI``
variable is set), so plain ``pytest`` works.

The plugin is registered by the ``pytest11`` entry point ``winit.claims.plugin``: installing
winit gives any project the marker, the fixture and the option (a ``pytest_plugins`` line naming
the module still works and does not register it twice).

With ``--winit-results PATH`` the run writes ``PATH`` (see :mod:`winit.claims.schema`): every
claim the run collected, with the ones ``-k``/``-m`` deselected as ``not-run`` and the selection
recorded. A complete run writes the new file and then keeps the one it replaces as
``*.previous.json`` for the report's diff (never moving it away first: a kill at any moment
leaves a ``PATH``). A partial run (some collected claim not run, files or test ids named on the
command line, or an interrupted run: Ctrl-C, ``-x``) writes ``*.partial.json`` instead and leaves
the complete run's file alone; a test cut short by the interruption is ``interrupted``, never
passed. ``PATH`` empty or an existing directory is a usage error. The run fails (exit status 1)
when any claim that ran has an unexpected verdict.

Each test report carries a ``winit`` record (claim, evidence, hypothesis example counts,
failure) in its ``user_properties``; pytest-xdist serializes those with the report, so a
controller with any number of workers writes one merged file. The controller takes the record
out of the report before other plugins see it (junit XML stays as without winit).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from winit.atomic import ReportError, one_line, output_path, write_atomic
from winit.claims.collect import Collector, examples_of, failure_of, run_metadata
from winit.claims.evidence import Evidence
from winit.claims.record import Claim, PlanError
from winit.claims.schema import dumps, jsonable, partial_path, previous_path

#: the project's hypothesis profiles, registered on import (before hypothesis' plugin reads
#: ``--hypothesis-profile``); None without hypothesis: a project that installs winit but runs
#: no claim still runs pytest
PROFILES: ModuleType | None
try:
    PROFILES = importlib.import_module("winit.claims.profiles")
except ImportError:
    PROFILES = None

RECORD = "winit"
EVIDENCE = pytest.StashKey[Evidence]()
EXAMPLES = pytest.StashKey[dict[str, Any]]()
#: Per process: every claim collected (before deselection), with its first item's position.
KNOWN = pytest.StashKey[dict[str, tuple[int, Claim]]]()
DESELECTED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("winit").addoption(
        "--winit-results",
        metavar="PATH",
        default=None,
        help="write the claims' results (JSON) to PATH and fail on an unexpected verdict",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(CLAIM): the winit Claim this test checks")
    if PROFILES is not None and config.getoption("hypothesis_profile", None) is None:
        PROFILES.load_default()
    config.stash[KNOWN] = {}
    config.stash[DESELECTED] = 0
    if hasattr(config, "workerinput"):  # an xdist worker: its controller records and writes
        return
    path = config.getoption("winit_results")
    target = None
    if path is not None:
        try:
            target = output_path(path)
        except ReportError as e:
            raise pytest.UsageError(f"--winit-results={path}: {e}") from None
        problem = _unwritable(target)
        if problem:
            raise pytest.UsageError(f"--winit-results={path}: {problem}")
    config.pluginmanager.register(Recorder(target, config), "winit-recorder")


def _unwritable(path: Path) -> str | None:
    """Why ``path`` (or its folder, created if missing) cannot be written, or None."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot create {path.parent}: {e.strerror or e}"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"{path.parent} is not writable (the results and the previous run's are kept there)"
    return None


def claim_of(item: pytest.Item) -> Claim | None:
    """The claim a test item checks, from its ``claim`` marker."""
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    claim = marker.args[0] if marker.args else None
    if not isinstance(claim, Claim):
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.claim takes the Claim object its file defines "
            f"(CLAIM = Claim(...)), got {claim!r}"
        )
    return claim


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Before -k/-m deselect: know every claim, refuse duplicate ids and over-budget claims."""
    known = config.stash[KNOWN]
    for position, item in enumerate(items):
        claim = claim_of(item)
        if claim is None:
            continue
        first = known.setdefault(claim.id, (position, claim))[1]
        if first is not claim:
            raise pytest.UsageError(f"{item.nodeid}: claim id {claim.id!r} is defined twice")
    for _, claim in known.values():
        try:
            claim.check_budget()
        except PlanError as e:
            raise pytest.UsageError(str(e)) from None


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        config = items[0].config
        config.stash[DESELECTED] = config.stash.get(DESELECTED, 0) + len(items)


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """The evidence record of this test for the claim named by its ``claim`` marker."""
    claim = claim_of(request.node)
    if claim is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses 'evidence' without @pytest.mark.claim")
    record: Evidence = request.node.stash.setdefault(EVIDENCE, Evidence(claim))
    return record


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Keep hypothesis' per-test statistics (passing them on to hypothesis' own reporting)."""
    try:
        from hypothesis.statistics import collector
    except ImportError:  # pragma: no cover - hypothesis is a test dependency
        return (yield)
    downstream = collector.value

    def note(stats: dict[str, Any]) -> None:
        item.stash[EXAMPLES] = examples_of(stats)
        if downstream is not None:
            downstream(stats)

    with collector.with_value(note):  # type: ignore[arg-type]  # typed as holding None
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach this test's ``winit`` record to its report (JSON-able, so xdist forwards it)."""
    report = yield
    claim = claim_of(item)
    record: dict[str, Any] = {"claim": None if claim is None else claim.id}
    if call.excinfo is not None and report.failed:
        rerun = [f"--hypothesis-{k}={v}" for k, v in _hypothesis_options(item.config) if v]
        record["failure"] = failure_of(call.excinfo.value, item.nodeid, rerun)
    if report.when == "teardown":
        if EVIDENCE in item.stash:
            record["evidence"] = item.stash[EVIDENCE].as_dict()
        if EXAMPLES in item.stash:
            record["examples"] = item.stash[EXAMPLES]
        # every claim this process collected, selected or not: the controller of an xdist run
        # collects nothing itself, and a deselected claim must still show as not run
        record["known"] = {
            cid: {"position": pos, **c.as_dict()}
            for cid, (pos, c) in item.config.stash[KNOWN].items()
        }  # fmt: skip
        record["deselected"] = item.config.stash.get(DESELECTED, 0)
    # JSON-able (numpy scalars would not cross to an xdist controller)
    report.user_properties.append((RECORD, jsonable(record)))
    return report


def _hypothesis_options(config: pytest.Config) -> list[tuple[str, str | None]]:
    try:
        from hypothesis import settings
    except ImportError:  # pragma: no cover
        return []
    seed = config.getoption("hypothesis_seed", None)
    return [("profile", settings.get_current_profile_name()), ("seed", seed)]


def take_record(report: pytest.TestReport) -> dict[str, Any]:
    """The ``winit`` record of a test report, removed from its ``user_properties``."""
    found: dict[str, Any] = {}
    kept = []
    for name, value in report.user_properties:
        if name == RECORD and isinstance(value, dict):
            found = value
        else:
            kept.append((name, value))
    report.user_properties[:] = kept
    return found


class Recorder:
    """Controller-side plugin: takes every test report's record and, with ``--winit-results``,
    writes the results file."""

    def __init__(self, path: Path | None, config: pytest.Config) -> None:
        self.path = path
        self.config = config
        self.collector = Collector()
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()
        self.summary: dict[str, int] = {}
        self.unexpected: list[str] = []
        self.collection_errors: list[dict[str, str]] = []
        self.problem: str | None = None
        self.partial = False
        self.interrupted = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = take_record(report)
        self.collector.add(report.nodeid, report.when, report.outcome, report.duration, record)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.collection_errors.append({"nodeid": report.nodeid, "message": lines[-1][:300]})

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.path is None:
            return
        options = dict(_hypothesis_options(self.config))
        args = list(self.config.invocation_params.args)
        run = run_metadata(
            self.config.rootpath, options.get("profile") or "default", options.get("seed"), args
        )
        keyword = self.config.getoption("keyword", "") or None
        # files or test ids named on the command line: the claims of the other files are unknown
        # here, so the run counts as partial (its results must not replace a complete run's)
        narrowed = any("::" in a or a.endswith(".py") for a in self.config.args)
        # Ctrl-C, -x, --maxfail: the run stopped before its end
        stopped = session.exitstatus == pytest.ExitCode.INTERRUPTED or bool(
            session.shouldstop or session.shouldfail
        )
        results = self.collector.results(
            run, keyword=keyword, narrowed=narrowed, interrupted=stopped
        )
        self.summary = results["summary"]
        self.partial = bool(run["selection"]["partial"])
        self.interrupted = stopped
        self.unexpected = [c["id"] for c in results["claims"] if c["unexpected"]]
        if self.unexpected and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        run["started"] = self.started.isoformat(timespec="seconds")
        run["duration_s"] = round(time.perf_counter() - self.clock, 3)
        run["exitstatus"] = int(session.exitstatus)
        run["collection_errors"] = self.collection_errors
        run["workers"] = getattr(self.config.option, "numprocesses", None) or 0
        try:
            if self.partial:  # the last complete run's results stay where they are
                self.path = partial_path(self.path)
                write_atomic(self.path, dumps(results))
            else:  # the complete run before is kept for the report's diff
                write_atomic(self.path, dumps(results), previous=previous_path(self.path))
        except ReportError as e:
            self.problem = one_line(e)
            session.exitstatus = pytest.ExitCode.USAGE_ERROR

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.path is None:
            return
        if self.problem:
            terminalreporter.write_line(f"winit: results not written: {self.problem}", red=True)
            return
        s = self.summary
        ran = s.get("claims", 0) - s.get("not_run", 0)
        line = (
            f"winit: {ran} claims ran: {s.get('held', 0)} held, "
            f"{s.get('refuted_as_expected', 0)} refuted as expected, "
            f"{s.get('unexpected', 0)} unexpected"
            + (f" ({', '.join(self.unexpected)})" if self.unexpected else "")
        )
        if s.get("not_run"):
            line += f"; {s['not_run']} not run (partial run)"
        if self.interrupted:
            line += "; interrupted (partial run: the last complete results stay)"
        if not ran:
            line = "winit: no claim selected"
        terminalreporter.write_line(f"{line} -> {self.path}", red=bool(self.unexpected))
        if self.unexpected:
            terminalreporter.write_line(
                "winit: the gate fails on these claims; `nox -s report` renders them and exits 1"
            )
