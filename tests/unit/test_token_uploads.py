"""Checks and R2 options for PUT /<key> with an upload token."""

from __future__ import annotations

import pytest

from r2gate.errors import ApiError
from r2gate.token_uploads import (
    check_token_put,
    check_token_scope,
    put_options,
    upload_content_type,
)
from r2gate.tokens import parse_claims

LIMIT = 1000


def grant(**claims: object):
    return parse_claims({"op": "put", "key": "a/b.glb", **claims})


def failure(claims, key: str, headers: dict[str, str]) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        check_token_put(claims, key, headers, LIMIT)
    return caught.value.status, caught.value.code


def test_checks_run_in_order() -> None:
    claims = grant(ct=["model/gltf-binary"], max=10)
    # wrong key beats a missing length, a missing length beats a bad type
    assert failure(claims, "a/c.glb", {}) == (403, "token_scope")
    assert failure(claims, "a/b.glb", {"content-type": "text/html"}) == (411, "length_required")
    assert failure(claims, "a/b.glb", {"content-length": "x"}) == (400, "invalid_content_length")
    assert failure(claims, "a/b.glb", {"content-length": "11", "content-type": "text/html"}) == (
        413,
        "too_large",
    )
    assert failure(claims, "a/b.glb", {"content-length": "10", "content-type": "text/html"}) == (
        415,
        "unsupported_media_type",
    )
    assert failure(claims, "a/b.glb", {"content-length": "1001"}) == (413, "too_large")


def test_op_must_be_put() -> None:
    for op in ("get", "delete", "mpu"):
        assert failure(
            parse_claims({"op": op, "key": "a/b.glb"}), "a/b.glb", {"content-length": "1"}
        ) == (
            403,
            "token_scope",
        )


def test_exact_length() -> None:
    claims = grant(len=3)
    assert failure(claims, "a/b.glb", {"content-length": "4"}) == (400, "length_mismatch")
    assert check_token_put(claims, "a/b.glb", {"content-length": "3"}, LIMIT).length == 3


def test_content_type_defaults() -> None:
    assert (
        upload_content_type(grant(ct=["model/gltf-binary"]), None, "x.bin") == "model/gltf-binary"
    )
    assert (
        upload_content_type(grant(ct=["model/gltf-binary"]), "  ", "x.bin") == "model/gltf-binary"
    )
    assert upload_content_type(grant(ct=["image/*"]), None, "x.png") == "image/png"
    assert upload_content_type(grant(ct=["a/b", "c/d"]), None, "x.glb") == "model/gltf-binary"
    assert upload_content_type(grant(), None, "x.mp4") == "video/mp4"
    assert upload_content_type(grant(ct=["a/b"]), "text/plain; charset=utf-8", "x") == (
        "text/plain; charset=utf-8"
    )
    accepted = check_token_put(
        grant(ct=["model/gltf-binary"]), "a/b.glb", {"content-length": "0"}, LIMIT
    )
    assert (accepted.length, accepted.content_type) == (0, "model/gltf-binary")


def test_put_options_store_only_what_the_token_grants() -> None:
    assert put_options(grant(), "a/b") == {
        "httpMetadata": {"contentType": "a/b"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }
    full = grant(sha256="AB" * 32, meta={"k": "v"}, cache="no-cache", ow=True)
    assert put_options(full, "a/b") == {
        "httpMetadata": {"contentType": "a/b", "cacheControl": "no-cache"},
        "customMetadata": {"k": "v"},
        "sha256": "ab" * 32,
    }


def scope_failure(op: str, target: str, **claims: object) -> tuple[int, str]:
    grant = parse_claims({"op": "put", **(claims or {"key": "a/b.glb"})})
    with pytest.raises(ApiError) as caught:
        check_token_scope(grant, op, target)
    return caught.value.status, caught.value.code


def test_scope_is_the_op_and_the_exact_key_or_prefix() -> None:
    check_token_scope(grant(), "put", "a/b.glb")
    assert scope_failure("put", "a/b.glb2") == (403, "token_scope")
    assert scope_failure("delete", "a/b.glb") == (403, "token_scope")
    assert scope_failure("mpu", "a/b.glb") == (403, "token_scope")
    check_token_scope(parse_claims({"op": "put", "prefix": "u/42/"}), "put", "u/42/x")
    assert scope_failure("put", "u/420/x", prefix="u/42/") == (403, "token_scope")


@pytest.mark.parametrize(
    ("claims", "length", "answer"),
    [
        ({"max": 10}, 10, None),
        ({"max": 10}, 11, (413, "too_large")),
        ({"len": 10}, 10, None),
        ({"len": 10}, 9, (400, "length_mismatch")),
        ({"len": 10}, 11, (400, "length_mismatch")),
        ({"max": 0}, 0, None),
    ],
)
def test_lengths_against_max_and_len(
    claims: dict[str, int], length: int, answer: tuple[int, str] | None
) -> None:
    headers = {"content-length": str(length)}
    if answer is None:
        assert check_token_put(grant(**claims), "a/b.glb", headers, LIMIT).length == length
    else:
        assert failure(grant(**claims), "a/b.glb", headers) == answer
