"""Every catalogued variant really differs from our emulator, says what allows it, and can be served."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorConfig, create_app
from emulator.defects import CATALOGUE as DEFECTS
from emulator.serve import serve
from emulator.variants import CATALOGUE, FAMILIES, UnknownVariant, Variant, build, hooks, register
from emulator.variants.data import ALWAYS_PRESENT
from tests.killmatrix.probes import Api

from .probes import PROBES

CONFIG = EmulatorConfig(seed=11, numbers=150)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plivo-sdk"


def test_catalogue_is_large_and_covers_every_family() -> None:
    assert len(CATALOGUE) >= 25
    assert {v.family for v in CATALOGUE.values()} == set(FAMILIES)


def test_names_are_unique_and_never_a_defects_name() -> None:
    # The registry refuses a name twice; a variant named like a defect would make the matrix ambiguous.
    assert len({v.name for v in CATALOGUE.values()}) == len(CATALOGUE)
    assert not set(CATALOGUE) & set(DEFECTS)


def test_every_variant_has_a_probe() -> None:
    assert set(PROBES) == set(CATALOGUE), "add a probe in tests/variants/probes.py for each new variant"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_variant_has_name_family_description_and_allowed_by(name: str) -> None:
    variant = CATALOGUE[name]
    assert isinstance(variant, Variant)
    assert variant.name == name
    assert variant.family in FAMILIES
    assert 10 < len(variant.description) < 120
    # The source that allows it: a quote of the page, an SDK file or fixture, or what the docs leave open.
    assert len(variant.allowed_by) > 30
    assert any(
        source in variant.allowed_by
        for source in ("page", "docs silent", "tests/fixtures/", "plivo/plivo-", "RFC", "Plivo's published")
    ), variant.allowed_by
    assert name in repr(variant)
    assert "Variant" in repr(variant)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_variant_changes_what_a_client_sees(name: str) -> None:
    probe = PROBES[name]
    clean = probe(Api(create_app(CONFIG)))
    variant = probe(Api(build(name, CONFIG)))
    assert clean != variant, f"{name}: the probe sees no difference from the clean emulator"
    # Determinism: a second fresh instance of each answers the probe the same way.
    assert probe(Api(create_app(CONFIG))) == clean
    assert probe(Api(build(name, CONFIG))) == variant


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_variant_keeps_the_list_readable(name: str) -> None:
    api = Api(build(name, CONFIG))
    response = api.send("GET", api.numbers_path, params={"limit": 20})
    assert response.status_code == 200
    assert response.json()["objects"]


def test_always_present_keys_are_the_keys_every_recorded_object_carries() -> None:
    # only_always_present_keys claims the fixtures as its source: check the claim.
    objects = []
    for path in sorted(FIXTURES.glob("*_number*Response.json")):
        body = json.loads(path.read_text())
        if "objects" in body:
            objects += body["objects"]
        elif "number" in body:
            objects.append(body)
    common = set.intersection(*(set(o) for o in objects)) - {"api_id"}
    assert set(ALWAYS_PRESENT) == common


def test_head_is_answered_without_a_body_by_the_server() -> None:
    app = build("head_like_get", CONFIG)
    demo = app.state.demo
    path = f"/v1/Account/{demo.auth_id}/Number/"
    with serve(app) as base_url, httpx.Client(base_url=base_url, auth=(demo.auth_id, demo.auth_token)) as c:
        got, head = c.get(path), c.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))


def test_gzip_body_decodes_to_the_same_json() -> None:
    api = Api(build("gzip_when_accepted", CONFIG))
    zipped = api.send("GET", api.numbers_path, params={"limit": 3}, headers={"accept-encoding": "gzip"})
    plain = api.send("GET", api.numbers_path, params={"limit": 3}, headers={"accept-encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json()["objects"] == plain.json()["objects"]


def test_unknown_variant_names_the_valid_ones() -> None:
    with pytest.raises(UnknownVariant) as caught:
        build("no_such_variant", CONFIG)
    message = str(caught.value)
    assert "no_such_variant" in message
    assert all(name in message for name in CATALOGUE)


def test_the_core_is_untouched_without_a_variant() -> None:
    parser = argparse.ArgumentParser()
    register(parser)
    assert hooks(parser.parse_args([])) == {}


def test_cli_serves_a_variant_and_refuses_unknown_ones(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator import cli

    parser = cli.build_parser()
    register(parser)
    chosen = hooks(parser.parse_args(["--variant", "order_descending"]))
    assert "store_wrapper" in chosen
    assert "VARIANT emulator" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--variant", "NOPE", "--port", "0"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "unknown variant 'NOPE'" in err
    assert all(name in err for name in CATALOGUE)


def test_cli_refuses_a_variant_and_a_defect_together(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator import cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["--variant", "order_descending", "--defect", "offset_ignored", "--port", "0"])
    assert stopped.value.code == 2
    assert "cannot be combined" in capsys.readouterr().err


def test_list_prints_the_catalogue_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.variants.__main__ import main

    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert f"{len(CATALOGUE)} variants" in out
    assert all(name in out for name in CATALOGUE)
    assert all(family in out for family in FAMILIES)
    assert out.count("allowed by:") == len(CATALOGUE)
