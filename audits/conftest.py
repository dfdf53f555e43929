"""``pytest audits``: the nightly audit as a pytest session (one test per rule), with a pytest-html report.

    pytest audits                                   # embedded emulator's demo inventory
    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... pytest audits --base-url=https://api.plivo.com
        [--audit-policy FILE] [--audit-out DIR]

``--base-url`` means what it means to ``python -m audits``: the API root, or the SDK's
base (``.../v1/Account``), validated by :func:`audits.target.live_target`. The option's
name is shared with the contract suite's plugin (:mod:`contracts.plugin`, loaded in every
session where this project is installed): when that plugin is loaded it declares the
option and leaves its validation to each suite (it validates only in sessions that
collect the contract suite); without it, this conftest declares the option itself. The
audit itself is the CLI's: same crawl, rules, policy, history and report files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audits.policy import PolicyError, load_policy
from audits.report import write_all
from audits.run import AuditResult, run_audit
from audits.target import AuditTarget, AuditTargetError, embedded_emulator, live_target
from audits.verdict import RuleVerdict, rule_verdicts
from openapi.redaction import strip_userinfo

ROOT = Path(__file__).parents[1]


CONTRACTS_PLUGIN = "contracts.plugin"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("audits", "Plivo number compliance audit")
    if not pluginmanager.has_plugin(CONTRACTS_PLUGIN):
        # Declared by the contract suite's plugin when it is loaded: one option, two readers.
        group.addoption(
            "--base-url",
            metavar="URL",
            help="API root of a live target, e.g. https://api.plivo.com (or .../v1/Account); "
            "credentials from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN. Default: the embedded emulator.",
        )
    group.addoption(
        "--audit-policy", metavar="FILE", help="policy TOML (example: audits/policy.example.toml)"
    )
    group.addoption(
        "--audit-out",
        metavar="DIR",
        default=str(ROOT / "reports"),
        help="where audit.* go (default reports/)",
    )
    group.addoption(
        "--audit-numbers", type=int, default=300, help="embedded emulator's inventory size (default 300)"
    )
    group.addoption("--audit-seed", type=int, default=7, help="embedded emulator's seed (default 7)")


def pytest_configure(config: pytest.Config) -> None:
    base_url = config.getoption("base_url", None)
    if base_url:
        # Checked here, the audit's way (as python -m audits does), so a bad URL or missing
        # credentials is a usage error before collection, not a failure of every rule.
        try:
            live_target(base_url)
        except AuditTargetError as error:
            raise pytest.UsageError(strip_userinfo(str(error))) from None
    if not getattr(config.option, "htmlpath", None):
        out = Path(config.getoption("audit_out"))
        out.mkdir(parents=True, exist_ok=True)
        config.option.htmlpath = str(out / "audit-pytest.html")
        config.option.self_contained_html = True
    try:
        config.stash[_POLICY] = load_policy(config.getoption("audit_policy"))
    except PolicyError as error:
        raise pytest.UsageError(str(error)) from None


_POLICY = pytest.StashKey[Any]()


@contextlib.contextmanager
def _target(config: pytest.Config) -> Iterator[AuditTarget]:
    base_url = config.getoption("base_url", None)
    if base_url:
        try:
            yield live_target(base_url)
        except AuditTargetError as error:
            raise pytest.UsageError(str(error)) from None
        return
    with embedded_emulator(
        seed=config.getoption("audit_seed"), numbers=config.getoption("audit_numbers")
    ) as target:
        yield target


@pytest.fixture(scope="session")
def audit_result(pytestconfig: pytest.Config) -> AuditResult:
    """The audit, run once per session; its reports are written like the CLI's."""
    out = Path(pytestconfig.getoption("audit_out"))
    with _target(pytestconfig) as target:
        result = run_audit(
            target,
            pytestconfig.stash[_POLICY],
            out / "audit-history.sqlite",
            {"seed": pytestconfig.getoption("audit_seed")},
        )
    write_all(result.document(), out)
    return result


@pytest.fixture(scope="session")
def audit_document(audit_result: AuditResult) -> dict[str, Any]:
    return audit_result.document()


@pytest.fixture(scope="session")
def verdicts(audit_document: dict[str, Any]) -> dict[str, RuleVerdict]:
    return {v.rule_id: v for v in rule_verdicts(audit_document)}


def pytest_report_header(config: pytest.Config) -> list[str]:
    where = config.getoption("base_url", None) or "embedded emulator demo inventory"
    return [f"audit target: {where}; reports in {config.getoption('audit_out')}"]
