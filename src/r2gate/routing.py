"""Route matching over plain values: one table of `Route(pattern, {method: handler})`.

Patterns are literal paths with parameters: ``{name}`` is one segment, ``{name+}`` the rest
of the path (at least one character, slashes included), ``{name*}`` the rest (possibly
empty). Matching is on the raw (percent-encoded) path; handlers decode their parameters.

A route may be selected by a query parameter (``query="uploads"``): it matches only when the
query names that parameter, which is how the object path's sub-operations (``?uploads``,
``?uploadId=``) are routes of their own.

Per route, HEAD is derived from GET (the GET handler runs and the body is dropped) and
OPTIONS is always allowed, so `Route.allowed` is exactly what ``Allow`` lists. A route with no
methods reserves its paths: they are 404, and no later route sees them.

`RouteTable.resolve` picks the first route whose path (and query selector) matches and that
takes the method; when routes match the path but none takes the method, the first of them
answers 405 with its own ``Allow``. A route selected by its query hides the later routes of
the same pattern, so ``GET /<key>?uploads`` is 405, never a read of the object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .errors import ApiError
from .query import parse_query

__all__ = ["Resolved", "Route", "RouteTable"]

H = TypeVar("H")
_PARAMETER = re.compile(r"\{([a-z_]+)([+*]?)\}")


def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern {pattern!r} must start with '/'")
    parts: list[str] = []
    position = 0
    for match in _PARAMETER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name, kind = match.groups()
        body = {"": "[^/]+", "+": ".+", "*": ".*"}[kind]
        parts.append(f"(?P<{name}>{body})")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class Route(Generic[H]):
    """One path pattern (and optional query selector) and the handler of each method."""

    pattern: str
    methods: Mapping[str, H]
    query: str | None = None
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _literal: str = field(init=False, repr=False, compare=False)  # before the first parameter

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", _compile(self.pattern))
        object.__setattr__(self, "_literal", self.pattern.split("{", 1)[0])

    @property
    def reserved(self) -> bool:
        """A route without methods: its paths are 404."""
        return not self.methods

    @property
    def allowed(self) -> tuple[str, ...]:
        """The methods it takes, as ``Allow`` lists them: its own, HEAD after GET, OPTIONS."""
        names: list[str] = []
        for method in self.methods:
            names.append(method)
            if method == "GET" and "HEAD" not in self.methods:
                names.append("HEAD")
        return (*names, "OPTIONS")

    def match(self, path: str, query_names: frozenset[str]) -> dict[str, str] | None:
        """The path parameters when `path` (and the query) select this route, else None."""
        if self.query is not None and self.query not in query_names:
            return None
        if self._literal == self.pattern:  # no parameters: the path itself
            return {} if path == self.pattern else None
        if not path.startswith(self._literal):
            return None
        found = self._regex.fullmatch(path)
        return None if found is None else found.groupdict()

    def handler(self, method: str) -> H | None:
        """The handler for `method` (HEAD falls back to GET), None when not taken here.
        OPTIONS is answered by the router itself."""
        if method in self.methods:
            return self.methods[method]
        if method == "HEAD":
            return self.methods.get("GET")
        return None


@dataclass(frozen=True)
class Resolved(Generic[H]):
    """A request's route: its handler (None for OPTIONS), path parameters, and whether the
    body must be dropped (HEAD answered by a GET handler)."""

    route: Route[H]
    handler: H | None
    params: Mapping[str, str]
    drop_body: bool = False


def query_names(query: str) -> frozenset[str]:
    """The parameter names a raw query string carries (``?uploads`` names "uploads")."""
    return parse_query(query).names


class _LazyNames:
    """Query names computed at most once, when first needed."""

    def __init__(self, query: str | frozenset[str] | Callable[[], frozenset[str]]) -> None:
        self._query = query
        self._names: frozenset[str] | None = None

    def get(self) -> frozenset[str]:
        if self._names is None:
            query = self._query
            if isinstance(query, frozenset):
                self._names = query
            elif isinstance(query, str):
                self._names = query_names(query)
            else:
                self._names = query()
        return self._names


class RouteTable(Generic[H]):
    """Routes in order; the first that matches and takes the method wins."""

    def __init__(self, routes: Sequence[Route[H]]) -> None:
        self.routes = tuple(routes)

    def resolve(
        self, method: str, path: str, query: str | frozenset[str] | Callable[[], frozenset[str]]
    ) -> Resolved[H]:
        """The route for a request (`query`: the raw query string, the names it carries, or a
        function giving them, called only when a route selected by its query matches the
        path): 404 not_found when no route matches the path (or a reserved one does), 405
        method_not_allowed with that route's ``Allow``."""
        names = _LazyNames(query)
        partial: Route[H] | None = None
        claimed: set[str] = set()  # patterns whose query-selected route matched
        for route in self.routes:
            if route.pattern in claimed:
                continue
            params = route.match(path, names.get() if route.query is not None else frozenset())
            if params is None:
                continue
            if route.query is not None:
                claimed.add(route.pattern)
            if route.reserved:
                if partial is not None:
                    break
                raise ApiError(404, "not_found", "Nothing is served at this path.")
            if method == "OPTIONS":
                return Resolved(route, None, params)
            handler = route.handler(method)
            if handler is not None:
                drop_body = method == "HEAD" and "HEAD" not in route.methods
                return Resolved(route, handler, params, drop_body)
            partial = partial or route
        if partial is None:
            raise ApiError(404, "not_found", "Nothing is served at this path.")
        raise ApiError(
            405,
            "method_not_allowed",
            f"{method} is not allowed here.",
            {"Allow": ", ".join(partial.allowed)},
        )
