"""The runner end to end: a defective emulator served on loopback, the suite run at it as a user would."""

from __future__ import annotations

import pytest

from contracts.killmatrix import cli
from contracts.killmatrix.runs import RunSpec, run_one


def test_unrent_numbers_are_the_main_accounts_own_and_credentials_are_the_emulators() -> None:
    from emulator import EmulatorConfig, create_app

    accounts, unrent = cli.accounts_and_unrent(seed=7, numbers=60)
    assert len(unrent) == cli.UNRENT_COUNT
    app = create_app(EmulatorConfig(seed=7, numbers=60, auth_id=cli.AUTH_ID, auth_token=cli.AUTH_TOKEN))
    own = {f["number"]: f for f in app.state.store.snapshot(app.state.demo.auth_id)}
    assert all(number in own and own[number]["sub_account"] is None for number in unrent)
    assert accounts.auth_id == app.state.demo.auth_id
    assert accounts.subaccount == tuple(app.state.demo.subaccounts[0])
    assert accounts.other_account == tuple(app.state.demo.other_account)


def test_unknown_defect_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--only", "services_any_of,no_such_defect"])
    assert stopped.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "no_such_defect" in err
    assert "services_any_of" in err


@pytest.mark.slow
def test_a_defect_served_on_loopback_is_killed_by_the_suite() -> None:
    accounts, unrent = cli.accounts_and_unrent(seed=7, numbers=60)
    spec = RunSpec(
        defect="limit_clamped",
        seed=7,
        numbers=60,
        accounts=accounts,
        unrent=unrent,
        keyword="limit",
        timeout_s=120,
    )
    result = run_one(spec)
    assert result.verdict == "killed", result.log_tail
    assert result.failed_tests
    assert all("limit" in t for t in result.failed_tests)
    assert result.first_failure_test_s is not None
    assert result.first_failure_wall_s is not None
    assert result.first_failure_wall_s >= result.first_failure_test_s
    assert "--defect limit_clamped" in result.emulator_command
    for secret in accounts.secrets:
        assert secret not in result.emulator_command + result.pytest_command + result.log_tail
