"""A catalogue of benign variants: correct Number APIs that differ from our emulator.

    from emulator.variants import CATALOGUE, build
    app = build("order_descending", EmulatorConfig(seed=7))   # a Starlette app

The mirror of ``emulator.defects``: where a defect is a subtly *wrong* API the contract
suite must fail, a variant is a *correct* API, different from ours in a way the
documentation allows (each says which source allows it, in ``allowed_by``), that the
suite must pass. Variants are applied from outside the core exactly like defects, with
the defects' own machinery. ``python -m emulator --variant NAME`` (and
``python -m emulator.variants --variant NAME``) serves one; ``python -m emulator.variants
--list`` prints the catalogue.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from starlette.applications import Starlette

from emulator.app import create_app
from emulator.config import ConfigError, EmulatorConfig

# Importing the family modules registers their variants.
from . import auth, data, errors, filters, headers, limits, pagination, paths, status, updates  # noqa: F401
from .base import CATALOGUE, FAMILIES, UnknownVariant, Variant, lookup

__all__ = ["CATALOGUE", "FAMILIES", "UnknownVariant", "Variant", "build", "hooks", "register"]


def build(name: str, config: EmulatorConfig | None = None) -> Starlette:
    """An emulator app with variant ``name``; UnknownVariant (listing valid names) otherwise."""
    config = config or EmulatorConfig()
    return create_app(config, **lookup(name).hooks(config))


def register(parser: argparse.ArgumentParser) -> None:
    """Add ``--variant NAME`` to ``python -m emulator`` (its extension protocol)."""
    group = parser.add_argument_group(
        "variants (correct but different APIs, for measuring a contract suite; see emulator/variants)"
    )
    group.add_argument(
        "--variant",
        metavar="NAME",
        help=f"serve a correct emulator that differs from this one: one of {len(CATALOGUE)} catalogued "
        "variants (python -m emulator.variants --list shows them)",
    )


def hooks(args: argparse.Namespace) -> dict[str, Any]:
    """create_app keyword arguments for ``--variant`` (none without it)."""
    name = getattr(args, "variant", None)
    if not name:
        return {}
    if getattr(args, "defect", None):
        raise ConfigError("--variant and --defect cannot be combined: serve one of them")
    from emulator.cli import config_from

    variant = lookup(name)
    # Nobody should mistake a variant for our emulator.
    print(
        f"VARIANT emulator (correct but different): {variant.name} ({variant.family}): "
        f"{variant.description}; allowed by: {variant.allowed_by}",
        file=sys.stderr,
    )
    return variant.hooks(config_from(args))
