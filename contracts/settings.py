"""Settings of one contract run (level, seed, profile), kept in the pytest config's stash.

:mod:`contracts.plugin` parses the options into a :class:`RunSettings` and stores it
under :data:`SETTINGS_KEY`; fixtures and hooks read it with :func:`settings_of`. Nothing
here is module state: two sessions in one process (pytester, a test of the plugin) each
have their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contracts.target import TargetOptions

__all__ = ["PROFILES", "SETTINGS_KEY", "RunSettings", "settings_of"]

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
    """The validated target options (the run's seed included) and the example profile."""

    options: TargetOptions
    profile: str

    @property
    def seed(self) -> int:
        return self.options.seed

    @property
    def level(self) -> str:
        return self.options.level

    def examples(self, name: str) -> int:
        return PROFILES[self.profile][name]

    def __repr__(self) -> str:
        return f"RunSettings(profile={self.profile!r}, seed={self.seed}, level={self.options.level!r})"


SETTINGS_KEY = pytest.StashKey[RunSettings]()


def settings_of(config: pytest.Config) -> RunSettings:
    """This session's run settings; a clear error when the contracts plugin did not configure them."""
    try:
        return config.stash[SETTINGS_KEY]
    except KeyError:
        raise RuntimeError(
            "contracts run settings are unset: the contracts.plugin pytest plugin configures them "
            "(is the project installed, e.g. pip install -e ., and the plugin not disabled with -p no:?)"
        ) from None
