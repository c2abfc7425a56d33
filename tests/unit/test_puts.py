"""PUT /<key>: the checks and R2 options for trusted callers and for bounded ones (tokens)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from r2gate.auth import TokenPrincipal
from r2gate.conditional import Current, write_conditions
from r2gate.errors import ApiError
from r2gate.mediatype import parse_media_type
from r2gate.puts import bounded_content_type, plan_put, put_options, reads_current, write_guard
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
    ("allowed", "sent", "answer"),
    [
        (["image/*"], "image/png", "image/png"),
        (["image/*"], "IMAGE/PNG; charset=binary", "image/png; charset=binary"),
        (["image/*"], "video/mp4", (415, "unsupported_media_type")),
        (["image/*"], "imagex/png", (415, "unsupported_media_type")),
        (["model/gltf-binary"], "Model/GLTF-Binary ; foo=bar", "model/gltf-binary; foo=bar"),
        (["model/gltf-binary"], "model/gltf+json", (415, "unsupported_media_type")),
        (["text/plain; charset=utf-8"], "text/plain;charset=UTF-8", "text/plain; charset=UTF-8"),
        (["text/plain; charset=utf-8"], "text/plain", (415, "unsupported_media_type")),
        (["*/*"], "application/x-anything", "application/x-anything"),
        (["image/png", "video/*"], "video/webm", "video/webm"),
        # active types: only when the token names them exactly
        (["*/*"], "text/html", (415, "unsupported_media_type")),
        (["text/*"], "text/html; charset=utf-8", (415, "unsupported_media_type")),
        (["image/*"], "image/svg+xml", (415, "unsupported_media_type")),
        (["*/*"], "application/javascript", (415, "unsupported_media_type")),
        (["text/html"], "text/html", "text/html"),
        (["image/svg+xml"], "image/svg+xml", "image/svg+xml"),
        # one strict media type, one field
        (["image/png"], "image/png;,text/html", (400, "invalid_content_type")),
        (["image/png"], "image/png; x=y, text/html", (400, "invalid_content_type")),
        (["image/png"], "image/png, image/png", (400, "invalid_content_type")),
        (["image/png"], 'image/png; x="a,b"', (400, "invalid_content_type")),
        (["image/*"], "", (400, "invalid_content_type")),
        (["image/*"], "image", (400, "invalid_content_type")),
        (["image/*"], "image/", (400, "invalid_content_type")),
        (["image/*"], "image/*", (400, "invalid_content_type")),
        (["*/*"], "*/*", (400, "invalid_content_type")),
        (["image/png"], "image/png; q", (400, "invalid_content_type")),
    ],
)
def test_content_types_of_a_token_put(
    allowed: list[str], sent: str, answer: str | tuple[int, str]
) -> None:
    headers = {"content-length": "1", "content-type": sent}
    if isinstance(answer, str):
        assert plan_put(bounds(ct=allowed), "a/b.bin", headers, LIMIT).content_type == answer
    else:
        assert failure(bounds(ct=allowed), headers) == answer


def test_a_token_without_ct_allows_any_type_but_an_active_one() -> None:
    assert bounds().allows_content_type(parse_media_type("image/png"))
    assert bounds().allows_content_type(parse_media_type("application/x-whatever"))
    for active in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/javascript"):
        assert not bounds().allows_content_type(parse_media_type(active))


def test_content_type_defaults() -> None:
    exact = bounds(ct=["model/gltf-binary"])
    assert bounded_content_type(exact, None, "x.bin").content_type == "model/gltf-binary"
    assert bounded_content_type(bounds(ct=["image/*"]), None, "x.png").content_type == "image/png"
    assert bounded_content_type(bounds(), None, "x.mp4").content_type == "video/mp4"
    with pytest.raises(ApiError) as caught:
        bounded_content_type(bounds(ct=["a/b", "c/d"]), None, "x.glb")
    assert caught.value.status == 415
    with pytest.raises(ApiError):  # a key whose type is active needs the token to name it
        bounded_content_type(bounds(), None, "x.html")
    accepted = plan_put(exact, "a/b.glb", {"content-length": "0"}, LIMIT)
    assert (accepted.length, accepted.content_type) == (0, "model/gltf-binary")


@pytest.mark.parametrize("generic", ["application/x-www-form-urlencoded", "binary/octet-stream"])
def test_a_generic_type_never_hides_a_known_extension(generic: str) -> None:
    headers = {"content-length": "3", "content-type": generic}
    trusted = plan_put(None, "models/chair.glb", headers, LIMIT)
    assert trusted.content_type == "model/gltf-binary"
    assert trusted.stored.json_members()["content_type_replaced"] == generic
    assert "model/gltf-binary" in trusted.stored.json_members()["note"]
    assert plan_put(None, "x.unknown", headers, LIMIT).content_type == generic
    token = plan_put(bounds(ct=["model/*"]), "models/chair.glb", headers, LIMIT)
    assert token.content_type == "model/gltf-binary"
    # a token that allows only the generic type keeps it
    only_generic = plan_put(bounds(ct=[generic]), "models/chair.glb", headers, LIMIT)
    assert (only_generic.content_type, only_generic.stored.json_members()) == (generic, {})


def test_a_generic_type_never_becomes_an_active_one() -> None:
    headers = {"content-length": "3", "content-type": "application/octet-stream"}
    assert plan_put(None, "page.html", headers, LIMIT).content_type == "application/octet-stream"


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


# --- conditional writes -------------------------------------------------------------------------


def test_write_guard_without_conditions() -> None:
    none = write_conditions({})
    assert write_guard(none, None, create_only=False) is None
    assert write_guard(none, None, create_only=True) == {"etagDoesNotMatch": "*"}
    assert not reads_current(none, create_only=True)


def test_write_guard_passes_a_simple_condition_to_r2() -> None:
    conditions = write_conditions({"if-match": '"e1"'})
    assert not reads_current(conditions, create_only=False)
    assert write_guard(conditions, None, create_only=False) == {"etagMatches": "e1"}


def test_write_guard_pins_the_object_that_was_checked() -> None:
    conditions = write_conditions({"if-match": '"e1", "e2"'})
    assert reads_current(conditions, create_only=False)
    found = Current("e2", datetime(2026, 1, 1, tzinfo=UTC))
    assert write_guard(conditions, found, create_only=False) == {"etagMatches": "e2"}
    with pytest.raises(ApiError) as caught:
        write_guard(conditions, Current("e3", found.uploaded), create_only=False)
    assert (caught.value.status, caught.value.code) == (412, "precondition_failed")


def test_write_guard_with_a_create_only_grant() -> None:
    conditions = write_conditions({"if-none-match": '"old"'})
    assert reads_current(conditions, create_only=True)
    assert write_guard(conditions, None, create_only=True) == {"etagDoesNotMatch": "*"}
    found = Current("new", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ApiError) as caught:
        write_guard(conditions, found, create_only=True)
    assert (caught.value.status, caught.value.code) == (412, "already_exists")
