"""Upload request checks: Content-Length parsing, the single-PUT limit, trusted metadata."""

import pytest

from r2gate.errors import ApiError
from r2gate.uploads import check_single_put_size, parse_content_length, trusted_http_metadata


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


def test_single_put_limit_points_to_multipart() -> None:
    check_single_put_size(100, 100)
    with pytest.raises(ApiError) as caught:
        check_single_put_size(101, 100)
    assert caught.value.status == 413
    assert "multipart" in caught.value.message


def test_trusted_metadata_keeps_the_storable_headers_only() -> None:
    headers = {
        "cache-control": "public, max-age=60",
        "content-disposition": 'attachment; filename="a.glb"',
        "content-encoding": "gzip",
        "content-language": "en",
        "x-other": "ignored",
        "authorization": "Bearer secret",
    }
    assert trusted_http_metadata(headers, "model/gltf-binary") == {
        "contentType": "model/gltf-binary",
        "cacheControl": "public, max-age=60",
        "contentDisposition": 'attachment; filename="a.glb"',
        "contentEncoding": "gzip",
        "contentLanguage": "en",
    }


def test_trusted_metadata_refuses_control_characters() -> None:
    with pytest.raises(ApiError) as caught:
        trusted_http_metadata({"cache-control": "max-age=1\x00"}, "text/plain")
    assert caught.value.status == 400
