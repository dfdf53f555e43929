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
    assert "order_descending" in err  # variants are valid names too


def _selection(*argv: str) -> tuple[list[str], list[str]]:
    parser = cli.build_parser()
    return cli._selected(parser, parser.parse_args(list(argv)))


def test_selection_of_defects_and_variants() -> None:
    from emulator.defects import CATALOGUE
    from emulator.variants import CATALOGUE as VARIANTS

    defects, variants = _selection()
    assert (set(defects), set(variants)) == (set(CATALOGUE), set(VARIANTS))
    assert _selection("--defects-only") == (defects, [])
    assert _selection("--variants-only") == ([], variants)
    assert _selection("--only", "order_descending,services_any_of") == (
        ["services_any_of"],
        ["order_descending"],
    )
    assert _selection("--only", "order_descending", "--variants-only") == ([], ["order_descending"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--only", "services_any_of", "--variants-only"],
        ["--only", "order_descending", "--defects-only"],
        ["--defects-only", "--variants-only"],
    ],
)
def test_contradictory_selections_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == cli.EXIT_USAGE


def test_a_variant_is_served_by_the_variants_module() -> None:
    accounts, unrent = cli.accounts_and_unrent(seed=7, numbers=60)
    spec = RunSpec(
        defect="order_descending", variant=True, seed=7, numbers=60, accounts=accounts, unrent=unrent
    )
    command = spec.emulator_command()
    assert spec.kind == "variant"
    assert command[1:3] == ["-m", "emulator.variants"]
    assert command[-2:] == ["--variant", "order_descending"]
    defect = RunSpec(defect="services_any_of", seed=7, numbers=60, accounts=accounts, unrent=unrent)
    assert defect.emulator_command()[-2:] == ["--defect", "services_any_of"]
    clean = RunSpec(defect="clean", seed=7, numbers=60, accounts=accounts, unrent=unrent)
    assert clean.kind == "clean"
    assert "--defect" not in clean.emulator_command()
    assert "--variant" not in clean.emulator_command()


@pytest.mark.slow
def test_a_defect_served_on_loopback_is_killed_by_the_suite() -> None:
    accounts, unrent = cli.accounts_and_unrent(seed=7, numbers=60)
    spec = RunSpec(
        defect="offset_ignored",
        seed=7,
        numbers=60,
        accounts=accounts,
        unrent=unrent,
        keyword="pagination",
        timeout_s=300,
    )
    result = run_one(spec)
    assert result.verdict == "killed", result.log_tail
    assert result.failed_tests
    assert all("pagination" in t for t in result.failed_tests)
    assert set(result.failure_messages) == set(result.failed_tests)
    assert result.first_failure_test_s is not None
    assert result.first_failure_wall_s is not None
    assert result.first_failure_wall_s >= result.first_failure_test_s
    assert "--defect offset_ignored" in result.emulator_command
    for secret in accounts.secrets:
        assert secret not in result.emulator_command + result.pytest_command + result.log_tail


@pytest.mark.slow
def test_a_variant_served_on_loopback_is_passed_by_the_suite() -> None:
    accounts, unrent = cli.accounts_and_unrent(seed=7, numbers=60)
    spec = RunSpec(
        defect="order_descending",
        variant=True,
        seed=7,
        numbers=60,
        accounts=accounts,
        unrent=unrent,
        keyword="pagination",
        timeout_s=300,
    )
    result = run_one(spec)
    assert result.kind == "variant"
    assert result.verdict in ("passed", "false_alarm"), result.log_tail
    assert result.tests > 0
    assert "--variant order_descending" in result.emulator_command
