"""PUT /<key>: the checks and R2 options for trusted callers and for bounded ones (tokens)."""

from __future__ import annotations

import pytest

from r2gate.auth import TokenPrincipal
from r2gate.errors import ApiError
from r2gate.puts import bounded_content_type, plan_put, put_options
from r2gate.tokens import parse_claims
from r2gate.uploads import UploadBounds

LIMIT = 1000


def bounds(**claims: object) -> UploadBounds:
    """The upload bounds of a put token for a/b.glb with `claims`."""
    return TokenPrincipal(parse_claims({"op": "put", "key": "a/b.glb", **claims})).upload


def failure(upload: UploadBounds | None, headers: dict[str, str]) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        plan_put(upload, "a/b.glb", headers, LIMIT)
    return caught.value.status, caught.value.code


def test_checks_run_in_order() -> None:
    upload = bounds(ct=["model/gltf-binary"], max=10)
    # a missing length beats a bad type, a size beats a type
    assert failure(upload, {"content-type": "text/html"}) == (411, "length_required")
    assert failure(upload, {"content-length": "x"}) == (400, "invalid_content_length")
    headers = {"content-length": "11", "content-type": "text/html"}
    assert failure(upload, headers) == (413, "too_large")
    headers = {"content-length": "10", "content-type": "text/html"}
    assert failure(upload, headers) == (415, "unsupported_media_type")
    assert failure(upload, {"content-length": "1001"}) == (413, "too_large")


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
        assert plan_put(bounds(**claims), "a/b.glb", headers, LIMIT).length == length
    else:
        assert failure(bounds(**claims), headers) == answer


@pytest.mark.parametrize(
    ("allowed", "ctype", "ok"),
    [
        (["image/*"], "image/png", True),
        (["image/*"], "IMAGE/PNG; charset=binary", True),
        (["image/*"], "video/mp4", False),
        (["image/*"], "imagex/png", False),
        (["model/gltf-binary"], "model/gltf-binary", True),
        (["model/gltf-binary"], "Model/GLTF-Binary ; foo=bar", True),
        (["model/gltf-binary"], "model/gltf+json", False),
        (["Text/Plain; charset=utf-8"], "text/plain", True),
        (["*/*"], "application/x-anything", True),
        (["image/png", "video/*"], "video/webm", True),
        (["image/*"], None, False),
        (["image/*"], "", False),
        (["image/*"], "image", False),
        (["image/*"], "image/", False),
        (["image/*"], "image/*", False),
        (["*/*"], "*/*", False),
    ],
)
def test_allowed_content_types(allowed: list[str], ctype: str | None, ok: bool) -> None:
    assert bounds(ct=allowed).allows_content_type(ctype) is ok
    if ctype:
        headers = {"content-length": "1", "content-type": ctype}
        if ok:
            assert plan_put(bounds(ct=allowed), "a/b.glb", headers, LIMIT).content_type == ctype
        else:
            assert failure(bounds(ct=allowed), headers) == (415, "unsupported_media_type")


def test_no_ct_allows_anything() -> None:
    assert bounds().allows_content_type(None) and bounds().allows_content_type("whatever")


def test_content_type_defaults() -> None:
    exact = bounds(ct=["model/gltf-binary"])
    assert bounded_content_type(exact, None, "x.bin") == "model/gltf-binary"
    assert bounded_content_type(exact, "  ", "x.bin") == "model/gltf-binary"
    assert bounded_content_type(bounds(ct=["image/*"]), None, "x.png") == "image/png"
    assert bounded_content_type(bounds(ct=["a/b", "c/d"]), None, "x.glb") == "model/gltf-binary"
    assert bounded_content_type(bounds(), None, "x.mp4") == "video/mp4"
    assert bounded_content_type(bounds(ct=["a/b"]), "text/plain; charset=utf-8", "x") == (
        "text/plain; charset=utf-8"
    )
    accepted = plan_put(exact, "a/b.glb", {"content-length": "0"}, LIMIT)
    assert (accepted.length, accepted.content_type) == (0, "model/gltf-binary")


def test_put_options_store_only_what_the_token_grants() -> None:
    assert put_options(bounds(), "a/b") == {
        "httpMetadata": {"contentType": "a/b"},
        "onlyIf": {"etagDoesNotMatch": "*"},
    }
    full = bounds(sha256="AB" * 32, meta={"k": "v"}, cache="no-cache", ow=True)
    assert put_options(full, "a/b") == {
        "httpMetadata": {"contentType": "a/b", "cacheControl": "no-cache"},
        "customMetadata": {"k": "v"},
        "sha256": "ab" * 32,
    }


def test_a_create_only_token_put_does_not_ask_whether_it_replaced() -> None:
    headers = {"content-length": "3", "cache-control": "no-cache"}
    create_only = plan_put(bounds(), "a/b.glb", headers, LIMIT)
    assert create_only.reports_replacement is False
    assert create_only.options["httpMetadata"] == {"contentType": "model/gltf-binary"}
    assert plan_put(bounds(ow=True), "a/b.glb", headers, LIMIT).reports_replacement is True


def test_a_trusted_put_stores_the_request_headers_and_may_replace() -> None:
    headers = {
        "content-length": "3",
        "content-type": "text/plain",
        "cache-control": "no-cache",
        "content-disposition": "attachment",
    }
    plan = plan_put(None, "a/b.glb", headers, LIMIT)
    assert (plan.length, plan.content_type, plan.reports_replacement) == (3, "text/plain", True)
    assert plan.options == {
        "httpMetadata": {
            "contentType": "text/plain",
            "cacheControl": "no-cache",
            "contentDisposition": "attachment",
        }
    }
    untyped = plan_put(None, "a/b.glb", {"content-length": "3"}, LIMIT)
    assert untyped.content_type == "model/gltf-binary"
    assert failure(None, {"content-length": "1001"}) == (413, "too_large")
    assert failure(None, {"content-length": "1", "cache-control": "a\nb"}) == (
        400,
        "invalid_header",
    )
