"""Settings of one emulator instance: inventory, accounts, strictness, faults and limits.

The ranges below are the emulator's documented limits; the CLI refuses values outside
them with the option's name, and the dataclasses refuse them with the field's name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from openapi import LEVELS, Level

MAIN_AUTH_ID = re.compile(r"^MA[A-Za-z0-9]{18}$")
SUB_AUTH_ID = re.compile(r"^SA[A-Za-z0-9]{18}$")
AUTH_TOKEN = re.compile(r"^[!-~]{1,128}$")

DEFAULT_NUMBERS = 300

# Documented ranges (README "Limits"). Delays are capped so a typo cannot stall a client
# for hours, and so a stopping server never waits long for a sleeping answer.
MAX_DELAY_SECONDS = 60.0
MAX_RATE_WINDOW_SECONDS = 86_400.0
MAX_RATE_LIMIT = 1_000_000
MAX_NUMBERS = 1_000_000
MIN_SUBACCOUNTS = 2
MAX_SUBACCOUNTS = 100
MAX_ERROR_STATUSES = 100
MAX_REQUEST_LOG_ENTRIES = 10_000_000
MIN_BODY_BYTES = 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_REQUEST_LOG_BYTES = 1024 * 1024 * 1024


class ConfigError(ValueError):
    """A setting is wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Faults:
    """Faults injected in front of the API, for testing clients. All off by default.

    ``latency`` is added to every answer, plus a uniform ``jitter`` in [0, jitter) seconds.
    ``rate_limit`` requests per ``rate_window`` seconds per account (the Basic-auth
    user's main account; subaccounts share it) are served; more get Plivo's 429. ``error_rate`` is the
    fraction of requests answered with one of ``error_statuses`` instead of the API;
    ``drop_rate`` the fraction whose connection is closed before a full answer.
    """

    latency: float = 0.0
    jitter: float = 0.0
    rate_limit: int | None = None
    rate_window: float = 5.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 503)
    drop_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("latency", "jitter"):
            value = getattr(self, name)
            # "not (a <= v <= b)" also refuses NaN, which every comparison lets through.
            if not 0.0 <= value <= MAX_DELAY_SECONDS:
                raise ConfigError(f"{name} must be from 0 to {MAX_DELAY_SECONDS:g} seconds, not {value}")
        if self.rate_limit is not None and not 1 <= self.rate_limit <= MAX_RATE_LIMIT:
            raise ConfigError(
                f"rate_limit must be from 1 to {MAX_RATE_LIMIT} requests per window, not {self.rate_limit}"
            )
        if not (math.isfinite(self.rate_window) and 0 < self.rate_window <= MAX_RATE_WINDOW_SECONDS):
            raise ConfigError(
                f"rate_window must be > 0 and at most {MAX_RATE_WINDOW_SECONDS:g} seconds, "
                f"not {self.rate_window}"
            )
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be a fraction between 0 and 1, not {value}")
        if self.error_rate and not self.error_statuses:
            raise ConfigError("error_rate needs at least one status in error_statuses")
        if len(self.error_statuses) > MAX_ERROR_STATUSES:
            raise ConfigError(f"error_statuses holds at most {MAX_ERROR_STATUSES} statuses")
        for status in self.error_statuses:
            if not 500 <= status <= 599:
                raise ConfigError(f"error_statuses must be 5xx statuses, not {status}")

    @property
    def active(self) -> bool:
        return bool(self.latency or self.jitter or self.rate_limit or self.error_rate or self.drop_rate)

    def __repr__(self) -> str:
        if not self.active:
            return "Faults(off)"
        parts = []
        if self.latency or self.jitter:
            parts.append(f"latency={self.latency}s+jitter<{self.jitter}s")
        if self.rate_limit:
            parts.append(f"rate_limit={self.rate_limit}/{self.rate_window}s")
        if self.error_rate:
            parts.append(f"error_rate={self.error_rate}x{list(self.error_statuses)}")
        if self.drop_rate:
            parts.append(f"drop_rate={self.drop_rate}")
        return f"Faults({', '.join(parts)})"


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that decides what an emulator instance serves.

    ``seed`` makes accounts, tokens and inventory reproducible. ``numbers`` is the
    size of the demo main account's generated inventory (subaccount numbers
    included); ``inventory`` replaces it with numbers loaded from a JSON file.
    ``auth_id``/``auth_token`` override the demo main account's credentials.
    ``level`` is the strictness the requests are validated at (see ``openapi``).
    ``max_body_bytes`` is the largest request body served (a larger one is a 413);
    the request log keeps at most ``request_log_limit`` entries and
    ``request_log_max_bytes`` bytes, at most ``request_log_entry_bytes`` per entry.
    """

    seed: int = 7
    numbers: int = DEFAULT_NUMBERS
    inventory: Path | None = None
    auth_id: str | None = None
    auth_token: str | None = None
    subaccounts: int = 3
    other_numbers: int = 20
    level: Level = "tolerant"
    faults: Faults = field(default_factory=Faults)
    request_log_limit: int = 10_000
    request_log_max_bytes: int = 16 * 1024 * 1024
    request_log_entry_bytes: int = 64 * 1024
    max_body_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        if not 0 <= self.numbers <= MAX_NUMBERS:
            raise ConfigError(f"numbers must be from 0 to {MAX_NUMBERS}, not {self.numbers}")
        if not 0 <= self.other_numbers <= MAX_NUMBERS:
            raise ConfigError(f"other_numbers must be from 0 to {MAX_NUMBERS}, not {self.other_numbers}")
        if not MIN_SUBACCOUNTS <= self.subaccounts <= MAX_SUBACCOUNTS:
            raise ConfigError(
                f"subaccounts must be from {MIN_SUBACCOUNTS} to {MAX_SUBACCOUNTS}, not {self.subaccounts}"
            )
        if self.level not in LEVELS:
            raise ConfigError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.auth_id is not None and not MAIN_AUTH_ID.match(self.auth_id):
            raise ConfigError(
                f"auth_id {self.auth_id!r} has the wrong shape: a main account's auth_id is 'MA' "
                "followed by 18 letters or digits (20 characters), e.g. MAXXXXXXXXXXXXXXXXXX"
            )
        if self.auth_token is not None and not AUTH_TOKEN.match(self.auth_token):
            # Never echo the token itself: it may be a real one pasted by mistake.
            raise ConfigError(
                "auth_token must be 1 to 128 printable characters without spaces "
                f"(got {len(self.auth_token)} characters)"
            )
        if self.auth_token is not None and self.auth_id is None:
            raise ConfigError("auth_token needs auth_id: give both or neither")
        if not 0 <= self.request_log_limit <= MAX_REQUEST_LOG_ENTRIES:
            raise ConfigError(
                f"request_log_limit must be from 0 to {MAX_REQUEST_LOG_ENTRIES}, not {self.request_log_limit}"
            )
        if not 0 <= self.request_log_entry_bytes <= self.request_log_max_bytes <= MAX_REQUEST_LOG_BYTES:
            raise ConfigError(
                "need 0 <= request_log_entry_bytes <= request_log_max_bytes <= "
                f"{MAX_REQUEST_LOG_BYTES}, not {self.request_log_entry_bytes} and "
                f"{self.request_log_max_bytes}"
            )
        if not MIN_BODY_BYTES <= self.max_body_bytes <= MAX_BODY_BYTES:
            raise ConfigError(
                f"max_body_bytes must be from {MIN_BODY_BYTES} to {MAX_BODY_BYTES}, not {self.max_body_bytes}"
            )

    def __repr__(self) -> str:
        source = f"inventory={str(self.inventory)!r}" if self.inventory else f"numbers={self.numbers}"
        auth = f", auth_id={self.auth_id!r}" if self.auth_id else ""
        return f"EmulatorConfig(seed={self.seed}, {source}, level={self.level!r}{auth}, {self.faults!r})"
