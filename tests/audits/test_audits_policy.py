"""The TOML policy: rule selection, severity overrides, scope, waivers with expiry, threshold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from audits.engine import evaluate
from audits.model import Severity
from audits.policy import Policy, PolicyError, Scope, Threshold, load_policy
from audits.rules import rule_ids
from tests.audits.numbers import TODAY, us_local, us_tollfree

EXAMPLE = Path(__file__).parents[2] / "audits" / "policy.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_policy_runs_every_rule_and_fails_on_critical() -> None:
    policy = load_policy(None)
    assert policy.rules == tuple(rule_ids())
    assert policy.threshold == Threshold(Severity.CRITICAL, 0)


def test_example_policy_loads() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.severities["tendlc-pending"] is Severity.HIGH
    assert len(policy.waivers) == 2
    assert policy.describe()["sha256"]


def test_enable_disable_and_severity(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """
[rules]
enable = ["tendlc-pending", "tollfree-pending", "profile-missing"]
disable = ["profile-missing"]
[rules.severity]
"tendlc-pending" = "critical"
""",
        )
    )
    assert policy.rules == ("tendlc-pending", "tollfree-pending")
    numbers = [us_local(tendlc_registration_status="PROCESSING", profile_uuid=None)]
    evaluation = evaluate(numbers, policy, TODAY)
    assert [(f.rule, f.severity) for f in evaluation.findings] == [("tendlc-pending", Severity.CRITICAL)]


def test_scope_by_subaccount_type_and_country(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """
[scope]
subaccounts = ["main"]
number_types = ["LOCAL"]
countries = ["United States"]
""",
        )
    )
    assert policy.scope == Scope(
        subaccounts=frozenset({"main"}), number_types=frozenset({"local"}), countries=frozenset({"US"})
    )
    numbers = [
        us_local(number="14155550101", tendlc_registration_status="UNREGISTERED"),
        us_local(
            number="14155550102",
            tendlc_registration_status="UNREGISTERED",
            sub_account="SA1234567890ABCDEFGH",
        ),
        us_tollfree(toll_free_sms_verification="UNVERIFIED"),
    ]
    evaluation = evaluate(numbers, policy, TODAY)
    assert evaluation.numbers_in_scope == 1
    assert evaluation.numbers_out_of_scope == 2
    assert {f.number for f in evaluation.findings} == {"14155550101"}


def test_waivers_by_number_and_subaccount_and_expiry(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """
[[waiver]]
number = "+14155550101"
rule = "tendlc-unregistered"
reason = "porting out next week"
expires = 2026-12-31

[[waiver]]
subaccount = "SA1234567890ABCDEFGH"
reason = "sandbox"
expires = "2026-01-31"
""",
        )
    )
    numbers = [
        us_local(number="14155550101", tendlc_registration_status="UNREGISTERED", profile_uuid=None),
        us_local(
            number="14155550102",
            tendlc_registration_status="UNREGISTERED",
            sub_account="SA1234567890ABCDEFGH",
        ),
    ]
    findings = {(f.number, f.rule): f for f in evaluate(numbers, policy, TODAY).findings}
    waived = findings[("14155550101", "tendlc-unregistered")]
    assert waived.waived
    assert "porting out next week" in (waived.waiver or "")
    # The waiver names one rule; the number's other findings still count.
    assert not findings[("14155550101", "profile-missing")].waived
    # The subaccount waiver expired on 2026-01-31: reported again, saying so.
    expired = findings[("14155550102", "tendlc-unregistered")]
    assert not expired.waived
    assert "expired 2026-01-31" in expired.details["waiver_expired"]
    assert Threshold().crossed_by(findings.values())
    assert not Threshold().crossed_by([waived])


def test_waiver_applies_on_its_expiry_day_and_not_after(tmp_path: Path) -> None:
    policy = load_policy(
        write(tmp_path, '[[waiver]]\nnumber = "14155550101"\nreason = "r"\nexpires = 2026-11-27\n')
    )
    numbers = [us_local(number="14155550101", tendlc_registration_status="UNREGISTERED")]
    assert all(f.waived for f in evaluate(numbers, policy, TODAY).findings)
    assert not any(f.waived for f in evaluate(numbers, policy, TODAY + dt.timedelta(days=1)).findings)


def test_threshold_severity_count_and_none(tmp_path: Path) -> None:
    numbers = [us_local(number=f"1415555010{i}", tendlc_registration_status="PROCESSING") for i in range(3)]
    findings = evaluate(numbers, Policy(), TODAY).findings
    assert not Threshold(Severity.CRITICAL).crossed_by(findings)
    assert Threshold(Severity.MEDIUM).crossed_by(findings)
    assert not Threshold(Severity.MEDIUM, max_findings=3).crossed_by(findings)
    policy = load_policy(write(tmp_path, '[threshold]\nfail_on = "none"\n'))
    assert policy.threshold.severity is None
    assert not policy.threshold.crossed_by(findings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[rules]\nenable = ["tendlc-pendin"]\n',
            "unknown rule 'tendlc-pendin'; known rules: tendlc-unregistered",
        ),
        ("[rule]\n", "unknown section(s) ['rule']"),
        ('[scope]\nnumber_type = ["local"]\n', "unknown key(s) ['number_type'] in [scope]"),
        ('[rules.severity]\n"tendlc-pending" = "severe"\n', "unknown severity 'severe'; use one of info"),
        ("[threshold]\nmax_findings = -1\n", "max_findings must be a whole number >= 0"),
        ('[[waiver]]\nnumber = "1"\nexpires = 2026-01-01\n', "needs a reason"),
        ('[[waiver]]\nnumber = "1"\nreason = "r"\n', "needs expires = YYYY-MM-DD"),
        ('[[waiver]]\nnumber = "1"\nreason = "r"\nexpires = "next week"\n', "needs expires"),
        ('[[waiver]]\nreason = "r"\nexpires = 2026-01-01\n', "exactly one of number"),
        ('[scope]\ncountries = "US"\n', "scope.countries must be a list of strings"),
        ("rules = [", "is not valid TOML"),
    ],
)
def test_bad_policies_say_what_and_how(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_policy_file_points_at_the_example(tmp_path: Path) -> None:
    with pytest.raises(
        PolicyError, match=r"does not exist; check --policy \(example: audits/policy.example.toml\)"
    ):
        load_policy(tmp_path / "nope.toml")
