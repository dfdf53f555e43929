"""Target options: clear usage errors, checked before anything is sent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.target import TargetError, TargetOptions, parse_unrent

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "at least one number"), ("abc", "'abc'"), ("1415,12x", "'12x'"), ("12", "'12'")],
)
def test_bad_unrent_values_are_explained(value: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        parse_unrent(value)


def test_unrent_accepts_numbers_with_or_without_plus() -> None:
    assert parse_unrent("+14155550100, 14155550101") == {"14155550100", "14155550101"}
    assert parse_unrent(None) == frozenset()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://api.plivo.com", "http"),
        ("api.plivo.com", "http"),
        ("https://api.plivo.com/v1/Account/MA1", "root"),
    ],
)
def test_bad_base_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        TargetOptions(base_url=url).validate()


def _pytest(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PLIVO_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "contracts", "--no-reports", "--collect-only", "-q", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_base_url_without_credentials_is_a_usage_error() -> None:
    result = _pytest("--base-url=http://127.0.0.1:9")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN" in result.stderr


def test_bad_unrent_is_a_usage_error() -> None:
    result = _pytest("--unrent=call-me")
    assert result.returncode == 4
    assert "--unrent takes phone numbers" in result.stderr


def test_negative_max_rate_is_a_usage_error() -> None:
    result = _pytest("--max-rate=-1")
    assert result.returncode == 4
    assert "--max-rate must be >= 0" in result.stderr


def test_non_integer_seed_is_a_usage_error() -> None:
    result = _pytest("--hypothesis-seed=abc")
    assert result.returncode == 4
    assert "--hypothesis-seed must be an integer" in result.stderr
