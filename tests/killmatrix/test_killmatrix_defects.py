"""Every catalogued defect really changes behaviour, deterministically, without breaking the API."""

from __future__ import annotations

import argparse

import pytest

from emulator import EmulatorConfig, create_app
from emulator.defects import CATALOGUE, FAMILIES, UnknownDefect, build, hooks, register
from emulator.defects.base import Defect

from .probes import PROBES, Api

CONFIG = EmulatorConfig(seed=11, numbers=150)


def test_catalogue_is_large_and_covers_every_family() -> None:
    assert len(CATALOGUE) >= 30
    assert {d.family for d in CATALOGUE.values()} == set(FAMILIES)


def test_every_defect_has_a_probe() -> None:
    assert set(PROBES) == set(CATALOGUE), "add a probe in tests/killmatrix/probes.py for each new defect"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_defect_has_name_family_description_and_readable_repr(name: str) -> None:
    defect = CATALOGUE[name]
    assert isinstance(defect, Defect)
    assert defect.name == name
    assert defect.family in FAMILIES
    assert 10 < len(defect.description) < 120
    assert name in repr(defect)
    assert defect.family in repr(defect)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_defect_changes_what_a_client_sees(name: str) -> None:
    probe = PROBES[name]
    clean = probe(Api(create_app(CONFIG)))
    defective = probe(Api(build(name, CONFIG)))
    assert clean != defective, f"{name}: the probe sees no difference from the clean emulator"
    # Determinism: a second fresh instance of each answers the probe the same way.
    assert probe(Api(create_app(CONFIG))) == clean
    assert probe(Api(build(name, CONFIG))) == defective


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_defect_keeps_the_list_readable(name: str) -> None:
    # A defect must leave the suite able to run: the main account can still page its list.
    api = Api(build(name, CONFIG))
    response = api.send("GET", api.numbers_path, params={"limit": 20})
    assert response.status_code == 200
    assert len(response.json()["objects"]) == 20


def test_unknown_defect_names_the_valid_ones() -> None:
    with pytest.raises(UnknownDefect) as caught:
        build("no_such_defect", CONFIG)
    message = str(caught.value)
    assert "no_such_defect" in message
    assert all(name in message for name in CATALOGUE)


def test_the_core_is_untouched_without_a_defect() -> None:
    # The extension hooks of python -m emulator add nothing unless --defect is given.
    parser = argparse.ArgumentParser()
    register(parser)
    assert hooks(parser.parse_args([])) == {}


def test_cli_option_selects_a_defect_and_refuses_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator import cli

    parser = cli.build_parser()
    register(parser)
    chosen = hooks(parser.parse_args(["--defect", "services_any_of"]))
    assert "store_wrapper" in chosen
    chosen = hooks(parser.parse_args(["--defect", "update_answers_204_without_body"]))
    assert [m.kwargs["defect"].name for m in chosen["middleware"]] == ["update_answers_204_without_body"]
    with pytest.raises(UnknownDefect):
        hooks(parser.parse_args(["--defect", "nope"]))
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--defect", "nope", "--port", "0"])
    assert stopped.value.code == 2
    assert "valid names" in capsys.readouterr().err


def test_list_prints_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.defects.__main__ import main

    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in CATALOGUE)
    assert f"{len(CATALOGUE)} defects" in out
