"""r2gate's pure core: HTTP and token decisions over plain values.

The core modules never import `js` and do no I/O, so they run unchanged in CPython (unit
tests, backends minting tokens with `r2gate.tokens`) and in Pyodide (the Worker). Two parts
of the pip-installable package are not core and are not used by the Worker: `r2gate.client`
(the HTTP client, stdlib only) and `r2gate.cli` (the `r2gate` command).
"""

__version__ = "0.1.0"
