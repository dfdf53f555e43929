"""Nothing here: the contract suite is a pytest plugin (:mod:`contracts.plugin`).

It is registered through the ``pytest11`` entry point in pyproject.toml and loaded in every
session of an environment where this project is installed (``pip install -e .``, which
``make`` does). See ``python -m pytest --help`` under "Plivo Number API contract suite".
"""
