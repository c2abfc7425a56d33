"""An upload's Content-Length and a bounded writer's bounds (r2gate.uploads). The single-write
limit and the stored headers are the write policy's (tests/unit/test_write_policy.py)."""

import pytest

from r2gate.errors import ApiError
from r2gate.mediatype import parse_media_type
from r2gate.uploads import UploadBounds, parse_content_length


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("42", 42), (" 7 ", 7)])
def test_content_length_parses_plain_decimals(raw: str, value: int) -> None:
    assert parse_content_length({"content-length": raw}) == value


@pytest.mark.parametrize(
    "raw", ["-1", "+1", "007", "1.0", "1e3", "0x10", "", "12 34", "5, 5", "١٢", "9" * 17]
)
def test_content_length_rejects_anything_else(raw: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_content_length({"content-length": raw})
    assert (caught.value.status, caught.value.code) == (400, "invalid_content_length")


def test_missing_content_length_is_411() -> None:
    with pytest.raises(ApiError) as caught:
        parse_content_length({})
    assert caught.value.status == 411


@pytest.mark.parametrize(
    ("content_types", "exact"),
    [
        (None, None),
        (("model/gltf-binary",), "model/gltf-binary"),
        (("Text/Plain; Charset=utf-8",), "text/plain; charset=utf-8"),
        (("image/*",), None),
        (("image/png", "image/webp"), None),
    ],
)
def test_the_one_exact_type_of_bounds(content_types: tuple[str, ...] | None, exact: str) -> None:
    assert UploadBounds(content_types=content_types).exact_type == exact


def test_bounds_allow_an_active_type_only_by_name() -> None:
    html = parse_media_type("text/html")
    assert not UploadBounds().allows_content_type(html)
    assert not UploadBounds(content_types=("*/*",)).allows_content_type(html)
    assert not UploadBounds(content_types=("text/*",)).allows_content_type(html)
    assert UploadBounds(content_types=("text/html",)).allows_content_type(html)
    assert UploadBounds(content_types=("*/*",)).allows_content_type(parse_media_type("a/b"))
    assert not UploadBounds(content_types=("not a type",)).allows_content_type(
        parse_media_type("a/b")
    )


def test_bounds_are_create_only_and_keep_no_request_headers_by_default() -> None:
    bounds = UploadBounds()
    assert (bounds.overwrite, bounds.own_headers) == (False, False)
