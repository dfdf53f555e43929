"""Builds the accounts and numbers an emulator instance starts with, from its config."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass

from . import compliance, inventory
from .accounts import SUBACCOUNT_NAMES, Account, DemoCredentials, Directory, make_auth_id, make_token
from .config import EmulatorConfig
from .inventory import OwnedNumber
from .store import NumberStore


@dataclass(frozen=True)
class World:
    """Accounts, their numbers, and the demo credentials, for one emulator instance."""

    directory: Directory
    store: NumberStore
    demo: DemoCredentials
    compliance: compliance.ComplianceStore

    def __repr__(self) -> str:
        return f"<World {self.demo!r} {self.store!r}>"


def build(config: EmulatorConfig) -> World:
    """The demo account (generated or from ``config.inventory``) and a second, unrelated account.

    Separate random streams per purpose keep the inventory identical when only the
    credentials change (``--auth-id``), and vice versa. Each main account also gets the
    compliance objects its numbers point to (emulator.compliance): generated around the
    generated numbers, or read from the inventory file (built around the ids its numbers
    name when the file holds numbers only).
    """
    ids = random.Random(f"accounts:{config.seed}")
    main_id, main_token = make_auth_id(ids, "MA"), make_token(ids)
    subs = [(make_auth_id(ids, "SA"), make_token(ids)) for _ in range(config.subaccounts)]
    other_id, other_token = make_auth_id(ids, "MA"), make_token(ids)
    if config.auth_id:
        main_id = config.auth_id
        if config.auth_token:
            main_token = config.auth_token
    main = Account(main_id, main_token)
    other = Account(other_id, other_token)
    directory = Directory([main, other])
    for index, (sub_id, token) in enumerate(subs):
        directory.add_subaccount(main_id, sub_id, SUBACCOUNT_NAMES[index % len(SUBACCOUNT_NAMES)], token)

    taken: set[str] = set()
    numbers: Iterable[OwnedNumber]
    if config.inventory is not None:
        loaded, document = inventory.load_document(config.inventory, main_id)
        numbers = loaded
        taken.update(owned.fields["number"] for owned in loaded)
        # Subaccounts named in the file become subaccounts of the demo account, with
        # tokens derived from the seed so they are reproducible too.
        for owned in loaded:
            named = owned.fields.get("sub_account")
            if isinstance(named, str) and named not in main.subaccounts:
                token = make_token(random.Random(f"subaccount:{config.seed}:{named}"))
                directory.add_subaccount(main_id, named, f"Imported {len(main.subaccounts) + 1}", token)
                subs.append((named, token))
        if document is None:
            main_graph = compliance.synthesize(loaded)
        else:
            main_graph, problems = compliance.from_document(document, loaded)
            if problems:
                shown = "\n  ".join(problems[:20])
                more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
                raise inventory.InventoryError(
                    f"inventory file {config.inventory} has {len(problems)} problem(s) in its compliance "
                    f"objects:\n  {shown}{more}"
                )
    else:
        rng = random.Random(f"inventory:{config.seed}")
        main_linker = compliance.Linker(config.seed, "main", config.numbers)
        numbers = main_linker.link_all(
            inventory.generate(main_id, config.numbers, [s for s, _ in subs], rng, taken)
        )
    other_rng = random.Random(f"other:{config.seed}")
    other_linker = compliance.Linker(config.seed, "other", config.other_numbers)
    # Generators, not lists: the store copies each object, and at 100,000 numbers holding
    # the originals too would double peak memory. The main account's numbers are all
    # drawn before the other account's, so `taken` keeps them unique in either order.
    others = other_linker.link_all(inventory.generate(other_id, config.other_numbers, [], other_rng, taken))
    store = NumberStore(itertools.chain(numbers, others))
    if config.inventory is None:
        main_graph = main_linker.finish()
    graphs = compliance.ComplianceStore({main_id: main_graph, other_id: other_linker.finish()})

    demo = DemoCredentials(
        auth_id=main_id,
        auth_token=main_token,
        subaccounts=subs,
        other_account=(other_id, other_token),
    )
    return World(directory=directory, store=store, demo=demo, compliance=graphs)
