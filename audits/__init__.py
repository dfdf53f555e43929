"""Nightly compliance audit of a whole Plivo number inventory.

``python -m audits`` crawls every number of an account (by default the embedded
emulator's demo inventory), runs the registered rules under an optional TOML
policy, keeps finding history in SQLite and writes ``audit.html``, ``audit.json``,
``audit.xml`` and ``audit.csv``. ``pytest audits`` runs the same audit as a pytest
session.
"""
