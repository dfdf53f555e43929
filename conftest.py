"""Target selection for ``pytest contracts`` (and ``pytest audits``): options and the ``target`` fixture.

    pytest contracts                                  # embedded emulator, in-process (ASGI)
    pytest contracts --emulator=http                  # embedded emulator served on loopback
    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... pytest contracts --base-url=https://api.plivo.com
        [--allow-writes] [--unrent=NUMBER[,NUMBER...]] [--strict] [--profile=ci|nightly]

Live targets are read-only unless ``--allow-writes``; only ``--unrent`` numbers are ever
unrented (enforced in :class:`contracts.target.GuardedTransport`).

A live target is probed once before collection (:mod:`contracts.probe`): unreachable or
misconfigured, the run stops with one line and pytest's usage-error status (4), and
reports saying so. Every output passes the credential redactor (:mod:`contracts.redacting`,
loaded here as a plugin for every test directory).
"""

from __future__ import annotations

import random
from pathlib import Path

import hypothesis
import pytest

from contracts import redacting, report, run
from contracts.probe import ProbeFailed, probe
from contracts.run import OPTIONS_KEY, PROFILES, SEED_KEY
from contracts.target import (
    DEFAULT_REQUEST_TIMEOUT,
    Target,
    TargetError,
    TargetOptions,
    active,
    build_target,
    live_credentials,
    parse_unrent,
    provide,
    release,
    shown_url,
)

ROOT = Path(__file__).parent
CONTRACTS_DIR = ROOT / "contracts"
REDACTING_PLUGIN = "contracts.redacting"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "Plivo Number API target selection")
    group.addoption(
        "--base-url",
        metavar="URL",
        help="API root of a live target, e.g. https://api.plivo.com; credentials from "
        "PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN. Default: the embedded emulator.",
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
    group.addoption("--no-reports", action="store_true", help="Do not write reports/contracts.{html,xml}.")
    group.addoption(
        "--reports-dir",
        default=str(ROOT / "reports"),
        metavar="DIR",
        help="Where contracts.html and contracts.xml go (default: reports/).",
    )


def _collects_contracts(config: pytest.Config) -> bool:
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == CONTRACTS_DIR or CONTRACTS_DIR in path.parents or path in CONTRACTS_DIR.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Registered here rather than with pytest_plugins: this conftest imports it already, and
    # pytest would warn that it cannot rewrite asserts in a module imported before.
    if not config.pluginmanager.has_plugin(REDACTING_PLUGIN):
        config.pluginmanager.register(redacting, REDACTING_PLUGIN)
    redacting.register_environment()
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

    # One seed for the run, printed, shared with xdist workers through the options and
    # replayed with --hypothesis-seed. It seeds hypothesis, schemathesis and the emulator's data.
    # Other test directories keep hypothesis' own seeding and profile.
    contracts_run = _collects_contracts(config)
    seed = config.getoption("hypothesis_seed", None)
    if seed is None:
        seed = random.SystemRandom().randrange(2**32)
        if contracts_run:
            config.option.hypothesis_seed = seed
    try:
        seed = int(seed)
    except ValueError:
        raise pytest.UsageError(f"--hypothesis-seed must be an integer, not {seed!r}") from None
    config.stash[SEED_KEY] = seed
    config.stash[OPTIONS_KEY] = TargetOptions(**{**options.__dict__, "seed": seed})

    profile = config.getoption("profile")
    run.configure(config.stash[OPTIONS_KEY], profile)
    provide(lambda: _registered(build_target(config.stash[OPTIONS_KEY])))
    if not contracts_run:
        return
    # Deadlines are off: targets include real networks.
    hypothesis.settings.register_profile(
        f"contracts-{profile}",
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

    if not config.getoption("no_reports"):
        reports = Path(config.getoption("reports_dir"))
        reports.mkdir(parents=True, exist_ok=True)
        if not getattr(config.option, "htmlpath", None):
            config.option.htmlpath = str(reports / "contracts.html")
            config.option.self_contained_html = True
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(reports / "contracts.xml")

    if options.live and not hasattr(config, "workerinput") and not _only_informs(config):
        _probe_or_stop(config)


def _registered(target: Target) -> Target:
    """``target``, its credentials added to what every output is scrubbed of."""
    redacting.register(target.credential_pairs)
    return target


def _only_informs(config: pytest.Config) -> bool:
    return bool(config.option.help or config.option.version or getattr(config.option, "markers", False))


def _probe_or_stop(config: pytest.Config) -> None:
    """One request before collection; a target that cannot be tested stops the run here.

    The reports are overwritten to say so, so a stale green report never outlives a run
    that could not start.
    """
    target = active()
    try:
        probe(target, target.limits.deadline_s)
    except ProbeFailed as failure:
        message = redacting.redact(str(failure))
        report.write_unrunnable(
            getattr(config.option, "htmlpath", None), getattr(config.option, "xmlpath", None), message
        )
        release()
        raise pytest.UsageError(message) from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    options = config.stash.get(OPTIONS_KEY, None)
    if options is None:
        return []
    where = shown_url(options.base_url) if options.base_url else f"embedded emulator ({options.emulator})"
    return [
        f"contracts target: {where}, level={options.level}, profile={config.getoption('profile')}",
        f"contracts seed: {config.stash[SEED_KEY]} (replay with --hypothesis-seed={config.stash[SEED_KEY]})",
    ]


def pytest_unconfigure(config: pytest.Config) -> None:
    release()


@pytest.fixture(scope="session")
def target() -> Target:
    """The API under test: one per session (and per xdist worker), closed when pytest ends.

    Built on first use, which may be collection: schemathesis draws explicit examples then.
    """
    return active()


@pytest.fixture(scope="session")
def run_seed(pytestconfig: pytest.Config) -> int:
    """The seed printed at the start of the run."""
    return pytestconfig.stash[SEED_KEY]
