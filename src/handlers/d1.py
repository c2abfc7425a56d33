"""D1 (the ``DB`` binding): r2gate's own records, outside the bucket's key space.

`Database` calls the JS binding itself, as `r2.Bucket` does for R2: a statement's parameters
go to JS as they are (text, numbers, null), its rows come back converted in one go. A D1
failure becomes a 502 ``storage_error`` (nothing was changed), logged by statement, never by
its values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import js
from pyodide.ffi import JsException, jsnull

from r2gate.errors import ApiError

Param = str | int | None


def _js(value: Param) -> Any:
    return jsnull if value is None else value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A converted row with SQL NULL as None (Pyodide keeps JS null as `jsnull`)."""
    return {name: None if value is jsnull else value for name, value in row.items()}


class Database:
    """The D1 database binding."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding

    def _statement(self, sql: str, params: Sequence[Param]) -> Any:
        statement = self._binding.prepare(sql)
        return statement.bind(*[_js(value) for value in params]) if params else statement

    async def rows(self, sql: str, *params: Param) -> list[dict[str, Any]]:
        """Every row the query returns, as dicts."""
        result = await self._call(sql, lambda: self._statement(sql, params).all())
        rows = getattr(result, "results", None)
        if rows is None or rows is jsnull:
            return []
        return [_plain(row) for row in rows.to_py()]

    async def row(self, sql: str, *params: Param) -> dict[str, Any] | None:
        """The first row, or None."""
        result = await self._call(sql, lambda: self._statement(sql, params).first())
        if result is None or result is jsnull:
            return None
        return _plain(result.to_py())

    async def run(self, sql: str, *params: Param) -> int:
        """Run a statement: the number of rows it changed."""
        result = await self._call(sql, lambda: self._statement(sql, params).run())
        meta = getattr(result, "meta", None)
        changes = getattr(meta, "changes", 0) if meta is not None and meta is not jsnull else 0
        return int(changes or 0)

    async def batch(self, statements: Sequence[tuple[str, Sequence[Param]]]) -> None:
        """Run statements as one transaction (all or none)."""
        if not statements:
            return
        prepared = js.Array.new()
        for sql, params in statements:
            prepared.push(self._statement(sql, params))
        await self._call(statements[0][0], lambda: self._binding.batch(prepared))

    async def _call(self, sql: str, start: Any) -> Any:
        try:
            return await start()
        except JsException as error:
            first_line = sql.strip().splitlines()[0][:80]
            print(f"r2gate: D1 statement failed ({first_line}): {getattr(error, 'message', '')}")
            raise ApiError(
                502, "storage_error", "The storage backend failed; nothing was changed."
            ) from None
