"""SDK conformance: Plivo's official SDKs driven against the emulator, every request checked.

* :mod:`sdkcheck.recording` — an ASGI wrapper that records each request an SDK sends (and the answer),
  with the Authorization header reduced to who it claims to be;
* :mod:`sdkcheck.requestcheck` — one recorded request against ``openapi/number.yaml`` at both levels;
* :mod:`sdkcheck.findings` — the reviewed list of known SDK-vs-contract findings and the reconciliation
  of what a run observed against it;
* :mod:`sdkcheck.nodesdk` — runs ``node_driver.js`` (the npm ``plivo`` SDK) and reads its results;
* :mod:`sdkcheck.report` — ``reports/sdk.html``.

``pytest sdkcheck`` (``make sdk``) is the entry point.
"""
