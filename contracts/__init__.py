"""The contract suite for Plivo's Account Phone Numbers API: ``pytest contracts``.

The suite tests whatever target the root ``conftest.py`` selects (the embedded
emulator by default, any live API with ``--base-url``) against ``openapi/number.yaml``.
Helpers live next to the tests: :mod:`contracts.target` (targets and the write guard),
:mod:`contracts.transport` (schemathesis over our guarded client), :mod:`contracts.checks`,
:mod:`contracts.crawl`, :mod:`contracts.curl` and :mod:`contracts.report`.
"""
