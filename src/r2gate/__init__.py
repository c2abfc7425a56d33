"""r2gate's pure core: HTTP and token decisions over plain values.

Nothing in this package imports `js` or touches I/O, so it runs unchanged in
CPython (unit tests, backends minting tokens) and in Pyodide (the Worker).
"""

__version__ = "0.1.0"
