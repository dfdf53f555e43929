"""Fixtures and run bookkeeping for ``pytest sdkcheck``.

One :class:`~sdkcheck.sdkrun.SdkRun` lives for the session. Each SDK module records its calls into it; the
findings test (moved to run last) reconciles what was observed with ``known_findings.yaml``; the session
end writes ``reports/sdk.html``.

A reviewed finding counts as "no longer observed" only when its SDK's module ran completely: every test
selected and none skipped. Running a subset (``-k``, a node id) or without Node compares only what ran.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .findings import KNOWN_FINDINGS_PATH, FindingsFileError, load_known
from .nodesdk import NodeSdk, node_unavailable
from .pysdk import PythonSdk, pointed_at
from .report import write_report
from .sdkrun import SdkRun
from .served import SEED, Served, served

MODULES = {"test_python_sdk": "python", "test_node_sdk": "node"}
LAST = "test_findings"
RUN_KEY = pytest.StashKey[SdkRun]()


class Selection:
    """Which tests of each SDK module were defined, selected, skipped and finished in this session."""

    def __init__(self) -> None:
        self.defined: dict[str, set[str]] = {sdk: set() for sdk in MODULES.values()}
        self.selected: dict[str, set[str]] = {sdk: set() for sdk in MODULES.values()}
        self.ids: dict[str, set[str]] = {sdk: set() for sdk in MODULES.values()}
        self.finished: dict[str, set[str]] = {sdk: set() for sdk in MODULES.values()}
        self.skipped: dict[str, set[str]] = {sdk: set() for sdk in MODULES.values()}
        self.deselected: set[str] = set()

    def complete(self) -> set[str]:
        """SDKs whose every test was selected and finished without a skip."""
        return {
            sdk
            for sdk in MODULES.values()
            if self.ids[sdk]
            and sdk not in self.deselected
            and self.defined[sdk] <= self.selected[sdk]
            and not self.skipped[sdk]
            and self.ids[sdk] <= self.finished[sdk]
        }

    def sdk_of(self, nodeid: str) -> str | None:
        return next((sdk for sdk, ids in self.ids.items() if nodeid in ids), None)

    def __repr__(self) -> str:
        return f"<Selection complete={sorted(self.complete())}>"


# pytest_runtest_logreport gets no config; the session's one Selection lives here.
_SELECTION: list[Selection] = []


def _module_sdk(item: pytest.Item) -> str | None:
    module = getattr(item, "module", None)
    return MODULES.get(module.__name__.rsplit(".", 1)[-1]) if module is not None else None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sdkcheck", "SDK conformance (pytest sdkcheck)")
    group.addoption(
        "--sdk-known-findings",
        default=str(KNOWN_FINDINGS_PATH),
        help="the reviewed findings file to compare with (default: sdkcheck/known_findings.yaml)",
    )
    group.addoption(
        "--sdk-report",
        default=None,
        help="where to write the HTML report (default: reports/sdk.html under the repository root)",
    )


def report_path(config: pytest.Config) -> Path:
    chosen = config.getoption("--sdk-report")
    return Path(chosen) if chosen else Path(config.rootpath) / "reports" / "sdk.html"


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[RUN_KEY] = SdkRun(load_known(Path(config.getoption("--sdk-known-findings"))))
    except FindingsFileError as error:
        raise pytest.UsageError(str(error)) from None
    _SELECTION[:] = [Selection()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The reconciliation must see every other test's observations, so it runs last.
    items.sort(key=lambda item: item.nodeid.split("::")[0].endswith(f"{LAST}.py"))


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        sdk = _module_sdk(item)
        if sdk is not None and _SELECTION:
            _SELECTION[0].deselected.add(sdk)


def pytest_collection_finish(session: pytest.Session) -> None:
    selection = _SELECTION[0]
    for item in session.items:
        sdk = _module_sdk(item)
        if sdk is None:
            continue
        module = item.module  # type: ignore[attr-defined]
        selection.defined[sdk] |= {
            name for name, value in vars(module).items() if name.startswith("test_") and callable(value)
        }
        selection.selected[sdk].add(getattr(item, "originalname", item.name))
        selection.ids[sdk].add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _SELECTION:
        return
    selection = _SELECTION[0]
    sdk = selection.sdk_of(report.nodeid)
    if sdk is None:
        return
    if report.skipped:
        selection.skipped[sdk].add(report.nodeid)
    if report.when == "teardown":
        selection.finished[sdk].add(report.nodeid)


def complete_sdks() -> set[str]:
    return _SELECTION[0].complete() if _SELECTION else set()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash.get(RUN_KEY, None)
    if run is None or not (run.exchanges or run.observed or run.skipped):
        return
    if run.reconciliation is None:
        run.complete = complete_sdks()
        run.reconcile()
    path = report_path(session.config)
    write_report(run, path)
    _WRITTEN[:] = [path]


# Where sessionfinish wrote the report, for the terminal summary that follows it.
_WRITTEN: list[Path] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _WRITTEN:
        terminalreporter.write_line(
            f"sdkcheck: emulator seed {SEED} for every served emulator; report {_WRITTEN[0]}"
        )


@pytest.fixture(scope="session")
def sdk_run(pytestconfig: pytest.Config) -> SdkRun:
    return pytestconfig.stash[RUN_KEY]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Served]:
    """The emulator (seed 7, 300 numbers) on loopback, behind the recorder; shared by the Python tests."""
    with served() as running:
        yield running


@pytest.fixture
def python_sdk(emulator: Served, sdk_run: SdkRun) -> Iterator[PythonSdk]:
    with pointed_at(emulator.base_url):
        sdk = PythonSdk(emulator, sdk_run)
        sdk_run.versions["python"] = sdk.version
        yield sdk


@pytest.fixture(scope="session")
def node_sdk(sdk_run: SdkRun, pytestconfig: pytest.Config) -> NodeSdk:
    root = Path(pytestconfig.rootpath)
    reason = node_unavailable(root, shutil.which("node"))
    if reason:
        sdk_run.skipped["node"] = reason
        pytest.skip(reason)
    sdk = NodeSdk(root=root, node=shutil.which("node") or "node")
    sdk_run.versions["node"] = sdk.version
    return sdk
