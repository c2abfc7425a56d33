"""r2gate's pure core: HTTP and token decisions over plain values.

The core modules never import `js` and do no I/O, so they run unchanged in CPython (unit
tests, backends minting tokens with `r2gate.tokens`) and in Pyodide (the Worker). The Python
client and the `r2gate` command are a distribution of their own: clients/python
(`r2gate_client`).
"""

__version__ = "0.1.0"
