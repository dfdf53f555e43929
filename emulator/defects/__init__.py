"""A catalogue of named defects: subtly wrong emulators for measuring the contract suite.

    from emulator.defects import CATALOGUE, build
    app = build("services_any_of", EmulatorConfig(seed=7))   # a defective Starlette app

Each defect is applied from outside the emulator's core, as request/response-rewriting
middleware or a store wrapper handed to ``create_app``; the core has no bug switches.
``python -m emulator --defect NAME`` (and ``python -m emulator.defects --defect NAME``)
serves one; ``python -m emulator.defects --list`` prints the catalogue.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from starlette.applications import Starlette

from emulator.app import create_app
from emulator.config import EmulatorConfig

# Importing the family modules registers their defects.
from . import auth, compliance, errors, filters, pagination, schema, status, unrent, updates  # noqa: F401
from .base import CATALOGUE, FAMILIES, Defect, UnknownDefect, lookup

__all__ = ["CATALOGUE", "FAMILIES", "Defect", "UnknownDefect", "build", "hooks", "register"]


def build(name: str, config: EmulatorConfig | None = None) -> Starlette:
    """An emulator app with defect ``name``; UnknownDefect (listing valid names) otherwise."""
    config = config or EmulatorConfig()
    return create_app(config, **lookup(name).hooks(config))


def register(parser: argparse.ArgumentParser) -> None:
    """Add ``--defect NAME`` to ``python -m emulator`` (its extension protocol)."""
    group = parser.add_argument_group("defects (for measuring a contract suite; see emulator/defects)")
    group.add_argument(
        "--defect",
        metavar="NAME",
        help=f"serve a subtly wrong emulator: one of {len(CATALOGUE)} catalogued defects "
        "(python -m emulator.defects --list shows them)",
    )


def hooks(args: argparse.Namespace) -> dict[str, Any]:
    """create_app keyword arguments for ``--defect`` (none without it)."""
    name = getattr(args, "defect", None)
    if not name:
        return {}
    from emulator.cli import config_from

    defect = lookup(name)
    # Nobody should mistake a defective emulator for the real one.
    print(f"DEFECTIVE emulator: {defect.name} ({defect.family}): {defect.description}", file=sys.stderr)
    return defect.hooks(config_from(args))
