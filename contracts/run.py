"""Settings of this pytest run that contract modules need at import time (level, seed, profile).

The root ``conftest.py`` parses the options and calls :func:`configure`; modules that build
parametrized tests while being collected read :func:`settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contracts.target import TargetOptions

__all__ = ["OPTIONS_KEY", "PROFILES", "SEED_KEY", "RunSettings", "configure", "settings"]

OPTIONS_KEY = pytest.StashKey[TargetOptions]()
SEED_KEY = pytest.StashKey[int]()

# Example counts per profile: ci keeps `pytest contracts` within a minute on two cores,
# nightly digs deeper.
PROFILES: dict[str, dict[str, int]] = {
    "ci": {"max_examples": 12, "stateful_step_count": 6, "stateful_examples": 8, "property_examples": 10},
    "nightly": {
        "max_examples": 200,
        "stateful_step_count": 20,
        "stateful_examples": 100,
        "property_examples": 100,
    },
}


@dataclass(frozen=True)
class RunSettings:
    options: TargetOptions
    profile: str

    @property
    def seed(self) -> int:
        return self.options.seed

    def examples(self, name: str) -> int:
        return PROFILES[self.profile][name]

    def __repr__(self) -> str:
        return f"RunSettings(profile={self.profile!r}, seed={self.seed}, level={self.options.level!r})"


_CURRENT: list[RunSettings] = []


def configure(options: TargetOptions, profile: str) -> RunSettings:
    _CURRENT[:] = [RunSettings(options, profile)]
    return _CURRENT[0]


def settings() -> RunSettings:
    if not _CURRENT:
        raise RuntimeError("contracts run settings are unset: the root conftest.py configures them")
    return _CURRENT[0]
