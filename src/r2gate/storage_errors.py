"""Turn R2 binding failures (error text from workerd or Miniflare) into client-facing errors.

R2 binding errors end in their number, e.g. "get: The requested range is not satisfiable
(10039)"; the numbers are R2's (https://developers.cloudflare.com/r2/api/error-codes/).
A put that streams the request body fails with workerd's "Network connection lost." when the
client stops sending before its Content-Length: the client's fault, not the storage's.
"""

from __future__ import annotations

import re

from .errors import ApiError

_CODE = re.compile(r"\((\d{5,6})\)")

_BY_CODE: dict[int, tuple[int, str, str]] = {
    10011: (400, "part_too_small", "Every part except the last must be at least 5 MiB."),
    10012: (400, "metadata_too_large", "The object's metadata is larger than 8 KiB."),
    10020: (400, "invalid_key", "Storage refused the object key."),
    10024: (404, "upload_not_found", "The multipart upload does not exist."),
    10025: (400, "invalid_part", "A part is missing or does not match its etag."),
    10031: (412, "precondition_failed", "A precondition does not hold for the stored object."),
    10037: (400, "checksum_mismatch", "The body does not match its checksum; nothing was stored."),
    10039: (416, "range_not_satisfiable", "The requested range is not satisfiable."),
    10048: (400, "part_size_mismatch", "All parts except the last must have the same size."),
    10058: (429, "rate_limited", "Too many writes to this key; retry shortly."),
    100100: (413, "too_large", "The object is larger than storage accepts."),
}


_BODY_BROKE_OFF = "network connection lost"  # workerd: the stream being read broke off


def classify_storage_error(message: str, *, reading_request_body: bool = False) -> ApiError:
    """Map an R2 error message to an ApiError; unknown failures become a 502 `storage_error`.
    `reading_request_body`: the failed call was streaming the request body into R2."""
    text = message or ""
    lowered = text.lower()
    if "known length" in lowered:
        return ApiError(411, "length_required", "A Content-Length header is required.")
    if (
        "expected bytes" in lowered  # FixedLengthStream
        or "too many bytes" in lowered
        or (reading_request_body and _BODY_BROKE_OFF in lowered and not _CODE.search(text))
    ):
        return ApiError(
            400,
            "body_length_mismatch",
            "The body did not match its Content-Length; nothing was stored.",
        )
    match = _CODE.search(text)
    if "cursor" in lowered and (match is None or int(match.group(1)) not in _BY_CODE):
        # only list() takes a cursor: R2 refusing the one the client sent back
        return ApiError(400, "invalid_request", "'cursor' is not a valid cursor.")
    if match and int(match.group(1)) in _BY_CODE:
        status, code, msg = _BY_CODE[int(match.group(1))]
        headers = {"Retry-After": "1"} if status == 429 else {}
        return ApiError(status, code, msg, headers)
    return ApiError(502, "storage_error", "The storage backend failed; nothing was changed.")
