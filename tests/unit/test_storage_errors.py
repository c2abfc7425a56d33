"""R2 binding error messages become the right client-facing errors."""

import pytest

from r2gate.storage_errors import classify_storage_error


@pytest.mark.parametrize(
    ("message", "status", "code"),
    [
        ("get: The requested range is not satisfiable (10039)", 416, "range_not_satisfiable"),
        ("put: Reduce your rate of requests (10058)", 429, "rate_limited"),
        (
            "put: The Content-MD5 you specified did not match what we received. (10037)",
            400,
            "checksum_mismatch",
        ),
        (
            "completeMultipartUpload: Your proposed upload is smaller than the minimum allowed "
            "object size. (10011)",
            400,
            "part_too_small",
        ),
        (
            "completeMultipartUpload: There was a problem with the multipart upload. (10048)",
            400,
            "part_size_mismatch",
        ),
        (
            "uploadPart: The specified multipart upload does not exist. (10024)",
            404,
            "upload_not_found",
        ),
        (
            "put: Your proposed upload exceeds the maximum allowed object size. (100100)",
            413,
            "too_large",
        ),
        (
            "Provided readable stream must have a known length (request/response body or readable "
            "half of FixedLengthStream)",
            411,
            "length_required",
        ),
        (
            "FixedLengthStream did not see all expected bytes before close().",
            400,
            "body_length_mismatch",
        ),
        ("something unexpected (99999)", 502, "storage_error"),
        # a failure while listing a cursor page is the storage's, unless R2 names the cursor
        ("list: We encountered an internal error. Please try again. (10001)", 502, "storage_error"),
        ("list: Network connection lost.", 502, "storage_error"),
        ("list: The cursor is invalid (10029)", 400, "invalid_request"),
        ("", 502, "storage_error"),
    ],
)
def test_messages_map_to_errors(message: str, status: int, code: str) -> None:
    error = classify_storage_error(message)
    assert (error.status, error.code) == (status, code)


def test_checksum_mismatch_does_not_echo_the_values() -> None:
    error = classify_storage_error(
        "put: The SHA-256 checksum you specified did not match what we received.\n"
        "You provided a SHA-256 checksum with value: 00 (10037)"
    )
    assert (error.status, error.code) == (400, "checksum_mismatch")
    assert "00" not in error.message


def test_rate_limit_says_when_to_retry() -> None:
    assert classify_storage_error("(10058)").headers == {"Retry-After": "1"}


def test_a_request_body_that_breaks_off_is_the_clients_fault() -> None:
    error = classify_storage_error("Network connection lost.", reading_request_body=True)
    assert (error.status, error.code) == (400, "body_length_mismatch")


def test_a_lost_connection_elsewhere_is_a_storage_error() -> None:
    assert classify_storage_error("Network connection lost.").status == 502
    coded = classify_storage_error(
        "put: Network connection lost. (10001)", reading_request_body=True
    )
    assert (coded.status, coded.code) == (502, "storage_error")
