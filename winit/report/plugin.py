"""The winit pytest plugin: the ``claim`` marker, the ``evidence`` fixture and ``--winit-results``.

A property test is marked ``@pytest.mark.claim("ID")`` and takes ``evidence``, a fresh
:class:`winit.evidence.Evidence` for that test (shared by the hypothesis examples of the test);
the records of all tests of a claim are merged in node-id order into the claim's results.

With ``--winit-results PATH`` the run writes ``PATH`` (see :mod:`winit.report.schema`), moving the
file that was there to ``*.previous.json`` for the report's diff, and the run fails (exit status
1) when any claim's observed verdict differs from its expected one. Each test report carries a
``winit`` record (claim, evidence, hypothesis example counts, failure); pytest-xdist serializes it
with the report, so a controller with any number of workers writes one merged file.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from winit.atomic import ReportError, write_atomic
from winit.claims import get_claim
from winit.evidence import Evidence
from winit.report.collect import Collector, examples_of, failure_of, run_metadata
from winit.report.schema import dumps, jsonable

RECORD = "winit"
EVIDENCE = pytest.StashKey[Evidence]()
EXAMPLES = pytest.StashKey[dict[str, Any]]()
COLLECTOR = pytest.StashKey["ResultsWriter"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("winit").addoption(
        "--winit-results",
        metavar="PATH",
        default=None,
        help="write the claims' results (JSON) to PATH and fail on an unexpected verdict",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): the registered claim this test checks")
    path = config.getoption("winit_results")
    if path and not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        writer = ResultsWriter(Path(path), config)
        config.stash[COLLECTOR] = writer
        config.pluginmanager.register(writer, "winit-results")


def claim_id_of(item: pytest.Item) -> str | None:
    """The claim a test item checks, from its ``claim`` marker (validated against the registry)."""
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    return get_claim(str(marker.args[0])).id


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            claim_id_of(item)
        except ValueError as e:
            raise pytest.UsageError(f"{item.nodeid}: {e}") from None


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """The evidence record of this test for the claim named by its ``claim`` marker."""
    claim_id = claim_id_of(request.node)
    if claim_id is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses 'evidence' without @pytest.mark.claim")
    record: Evidence = request.node.stash.setdefault(EVIDENCE, Evidence(claim_id))
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
    claim = claim_id_of(item)
    record: dict[str, Any] = {"claim": claim}
    if call.excinfo is not None and report.failed:
        rerun = [f"--hypothesis-{k}={v}" for k, v in _hypothesis_options(item.config) if v]
        record["failure"] = failure_of(call.excinfo.value, item.nodeid, rerun)
    if report.when == "teardown":
        if EVIDENCE in item.stash:
            record["evidence"] = item.stash[EVIDENCE].as_dict()
        if EXAMPLES in item.stash:
            record["examples"] = item.stash[EXAMPLES]
    report.__dict__[RECORD] = jsonable(record)  # numpy scalars would not cross to the controller
    return report


def _hypothesis_options(config: pytest.Config) -> list[tuple[str, str | None]]:
    try:
        from hypothesis import settings
    except ImportError:  # pragma: no cover
        return []
    seed = config.getoption("hypothesis_seed", None)
    return [("profile", settings.get_current_profile_name()), ("seed", seed)]


class ResultsWriter:
    """Controller-side plugin: collects every test report and writes ``results.json``."""

    def __init__(self, path: Path, config: pytest.Config) -> None:
        self.path = path
        self.config = config
        self.collector = Collector()
        self.started = datetime.now(UTC)
        self.clock = time.perf_counter()
        self.summary: dict[str, int] = {}
        self.unexpected: list[str] = []
        self.collection_errors: list[dict[str, str]] = []

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.path.exists():  # keep the previous run for the report's diff
            self.path.replace(self.path.with_suffix(".previous.json"))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = report.__dict__.get(RECORD, {})
        self.collector.add(report.nodeid, report.when, report.outcome, report.duration, record)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.collection_errors.append({"nodeid": report.nodeid, "message": lines[-1][:300]})

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        options = dict(_hypothesis_options(self.config))
        run = run_metadata(
            self.config.rootpath,
            options.get("profile") or "default",
            options.get("seed"),
            list(self.config.invocation_params.args),
        )
        results = self.collector.results(run)
        self.summary = results["summary"]
        self.unexpected = [c["id"] for c in results["claims"] if c["unexpected"]]
        if self.unexpected and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        run["started"] = self.started.isoformat(timespec="seconds")
        run["duration_s"] = round(time.perf_counter() - self.clock, 3)
        run["exitstatus"] = int(session.exitstatus)
        run["collection_errors"] = self.collection_errors
        run["workers"] = getattr(self.config.option, "numprocesses", None) or 0
        try:
            write_atomic(self.path, dumps(results))
        except ReportError as e:
            raise pytest.UsageError(str(e)) from None

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        s = self.summary
        terminalreporter.write_line(
            f"winit: {s.get('claims', 0)} claims: {s.get('held', 0)} held, "
            f"{s.get('refuted_as_expected', 0)} refuted as expected, "
            f"{s.get('unexpected', 0)} unexpected"
            + (f" ({', '.join(self.unexpected)})" if self.unexpected else "")
            + f" -> {self.path}"
        )
