"""The route table: patterns, query-selected sub-routes, derived HEAD/OPTIONS, 404 and 405."""

from __future__ import annotations

import pytest

from r2gate.errors import ApiError
from r2gate.routing import Route, RouteTable

TABLE: RouteTable[str] = RouteTable(
    [
        Route("/", {"GET": "service"}),
        Route("/api/v1/uploads", {"POST": "sign"}),
        Route("/api/v1/objects", {"GET": "list"}),
        Route("/api/v1/items/{item}", {"GET": "item", "PATCH": "patch"}),
        Route("/api", {}),
        Route("/api/{rest*}", {}),
        Route("/{key*}", {"POST": "create"}, query="uploads"),
        Route("/{key*}", {"GET": "status", "PUT": "part", "DELETE": "abort"}, query="uploadId"),
        Route("/{key*}", {"GET": "read", "PUT": "write", "DELETE": "delete"}),
    ]
)


def failure(method: str, path: str, query: str = "") -> tuple[int, str, str | None]:
    with pytest.raises(ApiError) as caught:
        TABLE.resolve(method, path, query)
    return caught.value.status, caught.value.code, caught.value.headers.get("Allow")


@pytest.mark.parametrize(
    ("method", "path", "query", "handler", "params"),
    [
        ("GET", "/", "", "service", {}),
        ("POST", "/api/v1/uploads", "", "sign", {}),
        ("GET", "/api/v1/items/7", "", "item", {"item": "7"}),
        ("PATCH", "/api/v1/items/a%2Fb", "", "patch", {"item": "a%2Fb"}),
        ("GET", "/models/a%20b.glb", "", "read", {"key": "models/a%20b.glb"}),
        ("PUT", "/", "", "write", {"key": ""}),  # the handler refuses the empty key
        ("POST", "/a/b.bin", "uploads", "create", {"key": "a/b.bin"}),
        ("PUT", "/a/b.bin", "uploadId=u&partNumber=1", "part", {"key": "a/b.bin"}),
        ("GET", "/a/b.bin", "uploadId=u", "status", {"key": "a/b.bin"}),
        ("GET", "/a/b.bin", "download&token=x", "read", {"key": "a/b.bin"}),
        ("GET", "/api%2Fx", "", "read", {"key": "api%2Fx"}),  # decoded, the key is refused
    ],
)
def test_requests_find_their_handler_and_parameters(
    method: str, path: str, query: str, handler: str, params: dict[str, str]
) -> None:
    resolved = TABLE.resolve(method, path, query)
    assert (resolved.handler, dict(resolved.params), resolved.drop_body) == (
        handler,
        params,
        False,
    )


def test_head_runs_the_get_handler_without_the_body() -> None:
    for path, query, handler in (("/api/v1/objects", "", "list"), ("/a", "uploadId=u", "status")):
        resolved = TABLE.resolve("HEAD", path, query)
        assert (resolved.handler, resolved.drop_body) == (handler, True)
    assert failure("HEAD", "/api/v1/uploads") == (405, "method_not_allowed", "POST, OPTIONS")


def test_options_belongs_to_the_route() -> None:
    resolved = TABLE.resolve("OPTIONS", "/api/v1/uploads", "")
    assert resolved.handler is None and resolved.route.allowed == ("POST", "OPTIONS")
    objects = TABLE.resolve("OPTIONS", "/a/b.glb", "")
    assert objects.route.allowed == ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
    creating = TABLE.resolve("OPTIONS", "/a/b.glb", "uploads")
    assert creating.route.allowed == ("POST", "OPTIONS")


@pytest.mark.parametrize(
    ("method", "path", "query", "allow"),
    [
        ("GET", "/api/v1/uploads", "", "POST, OPTIONS"),
        ("POST", "/api/v1/objects", "", "GET, HEAD, OPTIONS"),
        ("DELETE", "/api/v1/items/1", "", "GET, HEAD, PATCH, OPTIONS"),
        ("POST", "/", "", "GET, HEAD, OPTIONS"),
        ("POST", "/a/b.bin", "", "GET, HEAD, PUT, DELETE, OPTIONS"),
        ("PROPFIND", "/a/b.bin", "", "GET, HEAD, PUT, DELETE, OPTIONS"),
        ("GET", "/a/b.bin", "uploads", "POST, OPTIONS"),  # never a read of the object
        ("PUT", "/a/b.bin", "uploads", "POST, OPTIONS"),
        ("POST", "/a/b.bin", "uploadId=u", "GET, HEAD, PUT, DELETE, OPTIONS"),
    ],
)
def test_a_method_the_route_does_not_take_is_405_with_its_allow(
    method: str, path: str, query: str, allow: str
) -> None:
    assert failure(method, path, query) == (405, "method_not_allowed", allow)


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1/upload", "/api/v1/uploads/", "/api/v2"])
def test_reserved_paths_are_404_for_every_method(path: str) -> None:
    for method in ("GET", "PUT", "OPTIONS"):
        assert failure(method, path) == (404, "not_found", None)


def test_patterns_must_be_paths() -> None:
    with pytest.raises(ValueError):
        Route("api", {"GET": "x"})
