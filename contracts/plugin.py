"""The contract suite's pytest plugin: target selection, the run's settings, session fixtures.

Registered through the ``pytest11`` entry point ``contracts.plugin`` (pyproject.toml), so
it is loaded in every pytest session of an environment where this project is installed
(editable in a clone, or from the wheel)::

    pytest contracts                                  # in a clone: embedded emulator, in-process
    pytest --pyargs contracts                         # installed: the same suite, anywhere
    pytest contracts --emulator=http                  # embedded emulator served on loopback
    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... pytest --pyargs contracts --base-url=https://api.plivo.com
        [--allow-writes] [--unrent=NUMBER[,NUMBER...]] [--strict] [--profile=ci|nightly]

Live targets are read-only unless ``--allow-writes``; only ``--unrent`` numbers are ever
unrented (enforced in :class:`contracts.target.GuardedTransport`). Reports go to
``./reports/`` of the directory pytest was started in (``--reports-dir``).

Because it is loaded everywhere (``pytest tests``, ``pytest sdkcheck``, ``pytest audits``),
the plugin does nothing in a session that does not collect the contract suite: its
options are only declared there, never validated; no target is built, probed or started.
Every session gets the credential redactor (:mod:`contracts.redacting`).

State lives in the session's ``config.stash`` and in session fixtures, never in module
globals: the run settings (:data:`contracts.settings.SETTINGS_KEY`), the coverage and warning
record (:class:`contracts.report.Record`), the target (built on first use, which may be
collection: schemathesis draws explicit examples then) and the schemathesis schema. Checks
reach the target through the case's schema (:func:`contracts.checks.target_of`).
"""

from __future__ import annotations

import random
from collections.abc import Generator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from contracts import redacting, report
from contracts.probe import ProbeFailed, probe
from contracts.settings import PROFILES, SETTINGS_KEY, RunSettings, settings_of
from contracts.target import (
    DEFAULT_REQUEST_TIMEOUT,
    Target,
    TargetError,
    TargetOptions,
    build_target,
    live_credentials,
    parse_unrent,
    shown_url,
)

__all__ = [
    "CONTRACTS_DIR",
    "RECORD_KEY",
    "contract_schema",
    "is_contract_run",
    "record_of",
    "run_seed",
    "run_settings",
    "session_schema",
    "session_target",
    "target",
]

CONTRACTS_DIR = Path(__file__).resolve().parent
REDACTING_PLUGIN = "contracts.redacting"

# The markers the suite's tests carry, declared here so an installed suite run from any
# directory (no pyproject.toml of ours there) knows them under --strict-markers too.
MARKERS = {
    "live_safe": "read-only; may run against a live --base-url target",
    "writes": "sends update requests; needs --allow-writes on a live target",
    "unrent": "unrents numbers; needs --unrent=NUMBER on a live target",
}

CONTRACTS_RUN_KEY = pytest.StashKey[bool]()
RECORD_KEY = pytest.StashKey[report.Record]()
# The session's target: an empty list until first use, then [target]; closed at unconfigure.
_TARGET_KEY = pytest.StashKey[list[Target]]()
_SCHEMA_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "Plivo Number API contract suite (pytest contracts)")
    group.addoption(
        "--base-url",
        metavar="URL",
        help="API root of a live target, e.g. https://api.plivo.com; credentials from "
        "PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN. Default: the embedded emulator. (pytest audits reads "
        "this option too and validates it the audit's way.)",
    )
    group.addoption(
        "--emulator",
        choices=("asgi", "http"),
        default="asgi",
        help="How the embedded emulator is reached: in-process (asgi, default) or served on loopback (http).",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        help="Let update tests change numbers on a live target (each change is restored).",
    )
    group.addoption(
        "--unrent",
        metavar="NUMBER[,NUMBER...]",
        help="The only numbers a live target may unrent (irreversible). Without it unrent tests skip.",
    )
    # --strict is pytest's own flag (strict markers, config and xfail); the suite reads it too:
    # with it the documented contract is enforced, without it x-observed deviations are warnings.
    group.addoption(
        "--profile",
        choices=tuple(PROFILES),
        default="ci",
        help="How many examples to generate: ci (fast, default) or nightly (deep).",
    )
    group.addoption(
        "--max-rate",
        type=float,
        default=None,
        metavar="N",
        help="Requests per second to a live target (default 50, Plivo allows 300 per 5 s; "
        "unlimited on loopback; 0: no limit).",
    )
    group.addoption(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help=f"Total time one exchange with the target may take, headers and body included "
        f"(default {DEFAULT_REQUEST_TIMEOUT:g}); also bounds the live target's first probe.",
    )
    group.addoption("--no-reports", action="store_true", help="Do not write contracts.{html,xml}.")
    group.addoption(
        "--reports-dir",
        default=None,
        metavar="DIR",
        help="Where contracts.html and contracts.xml go (default: reports/ in the directory pytest "
        "was started from).",
    )


def is_contract_run(config: pytest.Config) -> bool:
    """Whether this session collects the contract suite (a path in it, or ``--pyargs contracts``)."""
    known = config.stash.get(CONTRACTS_RUN_KEY, None)
    if known is None:
        known = _collects_contracts(config)
        config.stash[CONTRACTS_RUN_KEY] = known
    return known


def _collects_contracts(config: pytest.Config) -> bool:
    pyargs = bool(getattr(config.option, "pyargs", False))
    for arg in config.args:
        where = arg.split("::")[0]
        if pyargs and (where == "contracts" or where.startswith("contracts.")):
            return True
        path = Path(config.invocation_params.dir, where).resolve()
        if path == CONTRACTS_DIR or CONTRACTS_DIR in path.parents or path in CONTRACTS_DIR.parents:
            return True
    return False


def _declare_markers(config: pytest.Config) -> None:
    declared = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    for name, text in MARKERS.items():
        if name not in declared:
            config.addinivalue_line("markers", f"{name}: {text}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Registered here rather than with pytest_plugins: this module imports it already, and
    # pytest would warn that it cannot rewrite asserts in a module imported before.
    if not config.pluginmanager.has_plugin(REDACTING_PLUGIN):
        config.pluginmanager.register(redacting, REDACTING_PLUGIN)
    redacting.register_environment()
    _declare_markers(config)
    if not is_contract_run(config):
        return  # another suite's session: its options are its own business

    options = _options(config)
    profile = config.getoption("profile")
    config.stash[SETTINGS_KEY] = RunSettings(options, profile)
    config.stash[RECORD_KEY] = report.Record()
    config.stash[_TARGET_KEY] = []
    _load_hypothesis_profile(profile)

    if not config.getoption("no_reports"):
        reports = Path(config.getoption("reports_dir") or Path(config.invocation_params.dir, "reports"))
        reports.mkdir(parents=True, exist_ok=True)
        if not getattr(config.option, "htmlpath", None):
            config.option.htmlpath = str(reports / "contracts.html")
            config.option.self_contained_html = True
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(reports / "contracts.xml")

    if options.live and not hasattr(config, "workerinput") and not _only_informs(config):
        _probe_or_stop(config)


def _options(config: pytest.Config) -> TargetOptions:
    """The target options, validated the contracts' way, with the run's seed.

    One seed for the run, printed, shared with xdist workers through the options and
    replayed with --hypothesis-seed. It seeds hypothesis, schemathesis and the emulator's data.
    """
    try:
        options = TargetOptions(
            base_url=config.getoption("base_url"),
            emulator=config.getoption("emulator"),
            allow_writes=config.getoption("allow_writes"),
            unrent=parse_unrent(config.getoption("unrent")),
            strict=bool(config.getini("strict")),
            max_rate=config.getoption("max_rate"),
            request_timeout=config.getoption("request_timeout"),
        )
        options.validate()
        if options.live:
            live_credentials()
    except TargetError as error:
        raise pytest.UsageError(redacting.redact(str(error))) from None
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
        config.option.hypothesis_seed = seed
    try:
        seed = int(seed)
    except ValueError:
        raise pytest.UsageError(f"--hypothesis-seed must be an integer, not {seed!r}") from None
    return TargetOptions(**{**options.__dict__, "seed": seed})


def _load_hypothesis_profile(profile: str) -> None:
    # hypothesis keeps its settings profiles per process, by its design; a contract session
    # loads its own, other sessions keep hypothesis' default.
    hypothesis.settings.register_profile(
        f"contracts-{profile}",
        # Deadlines are off: targets include real networks.
        deadline=None,
        database=None,
        print_blob=False,
        # Health checks stay on but for two, each on purpose:
        # - too_slow: the target may be a real network away; its latency is not our data's.
        # - function_scoped_fixture: `full` (a crawl of the target) is the oracle for every
        #   example of one test, read once per test on purpose; those tests never write.
        suppress_health_check=[
            hypothesis.HealthCheck.too_slow,
            hypothesis.HealthCheck.function_scoped_fixture,
        ],
        max_examples=PROFILES[profile]["property_examples"],
        stateful_step_count=PROFILES[profile]["stateful_step_count"],
    )
    hypothesis.settings.load_profile(f"contracts-{profile}")


def record_of(config: pytest.Config) -> report.Record:
    """This session's coverage and warnings (merged from every xdist worker on the controller)."""
    return config.stash[RECORD_KEY]


def session_target(config: pytest.Config) -> Target:
    """This session's target, built on first use (a fixture, a check, a collection-time draw)."""
    holder = config.stash.get(_TARGET_KEY, None)
    if holder is None:
        raise RuntimeError(
            "no contracts target in this session: it does not collect the contract suite "
            "(run pytest contracts, or pytest --pyargs contracts)"
        )
    if not holder:
        built = build_target(settings_of(config).options, warnings=record_of(config).warnings)
        # Every output of the run is scrubbed of the target's credentials.
        redacting.register(built.credential_pairs)
        holder.append(built)
    return holder[0]


def session_schema(config: pytest.Config) -> Any:
    """The spec as a schemathesis schema for this session's level, seed, profile and target."""
    schema = config.stash.get(_SCHEMA_KEY, None)
    if schema is None:
        from contracts.conformance import build_schema

        run = settings_of(config)
        schema = build_schema(
            target=lambda: session_target(config),
            level=run.options.level,
            seed=run.seed,
            max_examples=run.examples("max_examples"),
            max_steps=run.examples("stateful_step_count"),
            live=run.options.live,
            subaccounts_known=not run.options.live,
        )
        config.stash[_SCHEMA_KEY] = schema
    return schema


def _release(config: pytest.Config) -> None:
    holder = config.stash.get(_TARGET_KEY, None)
    while holder:
        holder.pop().close()


def _only_informs(config: pytest.Config) -> bool:
    return bool(config.option.help or config.option.version or getattr(config.option, "markers", False))


def _probe_or_stop(config: pytest.Config) -> None:
    """One request before collection; a target that cannot be tested stops the run here.

    The reports are overwritten to say so, so a stale green report never outlives a run
    that could not start.
    """
    target = session_target(config)
    try:
        probe(target, target.limits.deadline_s)
    except ProbeFailed as failure:
        message = redacting.redact(str(failure))
        report.write_unrunnable(
            getattr(config.option, "htmlpath", None), getattr(config.option, "xmlpath", None), message
        )
        _release(config)
        raise pytest.UsageError(message) from None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: Any
) -> Generator[None, Any, Any]:
    """A test marked with :func:`contracts.conformance.parametrize` becomes schemathesis' collector.

    The same as ``@schema.parametrize()`` at import, but with the session's schema, which
    a module cannot know when it is imported.
    """
    result = yield
    from contracts.conformance import marked_operations, only

    operations = marked_operations(obj)
    if operations is None or not collector.istestfunction(obj, name):
        return result
    # schemathesis' own collector for parametrized tests (what its plugin builds for a marked test).
    from schemathesis.pytest.plugin import SchemaHandleMark, SchemathesisCase

    wrapped = only(session_schema(collector.config), *operations).parametrize()(obj)
    return SchemathesisCase.from_parent(
        collector, test_function=wrapped, name=name, schema=SchemaHandleMark.get(wrapped)
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(SETTINGS_KEY, None)
    if run is None:
        return []
    options = run.options
    where = shown_url(options.base_url) if options.base_url else f"embedded emulator ({options.emulator})"
    return [
        f"contracts target: {where}, level={options.level}, profile={run.profile}",
        f"contracts seed: {run.seed} (replay with --hypothesis-seed={run.seed})",
    ]


def pytest_unconfigure(config: pytest.Config) -> None:
    _release(config)


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The API under test: one per session (and per xdist worker), closed when pytest ends."""
    return session_target(pytestconfig)


@pytest.fixture(scope="session")
def run_settings(pytestconfig: pytest.Config) -> RunSettings:
    """Level, seed and example profile of this run."""
    return settings_of(pytestconfig)


@pytest.fixture(scope="session")
def run_seed(run_settings: RunSettings) -> int:
    """The seed printed at the start of the run."""
    return run_settings.seed


@pytest.fixture(scope="session")
def contract_schema(pytestconfig: pytest.Config) -> Any:
    """The session's schemathesis schema (every operation; narrow it with ``conformance.only``)."""
    return session_schema(pytestconfig)
