"""r2gate's own errors (`r2gate.errors.ApiError`, raised by the code the S3 surface shares
with the rest of r2gate: the read path, R2 failures, multipart rules) as the S3 errors a
client expects, so every S3 answer is S3's XML with one of S3's codes."""

from __future__ import annotations

from r2gate.errors import ApiError

from .errors import (
    AccessDenied,
    BadDigest,
    EntityTooLarge,
    EntityTooSmall,
    IncompleteBody,
    InternalError,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRange,
    InvalidRequest,
    MissingContentLength,
    NoSuchKey,
    NoSuchUpload,
    PreconditionFailed,
    QuotaExceeded,
    S3Error,
    ServiceUnavailable,
    SlowDown,
)

__all__ = ["s3_error_from", "single_put_too_large"]

_BY_CODE: dict[str, type[S3Error]] = {
    "not_found": NoSuchKey,
    "upload_not_found": NoSuchUpload,
    "precondition_failed": PreconditionFailed,
    "already_exists": PreconditionFailed,
    "range_not_satisfiable": InvalidRange,
    "too_large": EntityTooLarge,
    "length_required": MissingContentLength,
    "body_length_mismatch": IncompleteBody,
    "body_unreadable": IncompleteBody,
    "checksum_mismatch": BadDigest,
    "part_too_small": EntityTooSmall,
    "part_size_mismatch": InvalidPart,
    "invalid_part": InvalidPart,
    "invalid_part_order": InvalidPartOrder,
    "invalid_key": InvalidArgument,
    "invalid_content_type": InvalidArgument,
    "invalid_content_length": InvalidArgument,
    "invalid_header": InvalidArgument,
    "invalid_metadata": InvalidArgument,
    "unsupported_media_type": AccessDenied,
    "key_scope": AccessDenied,
    "token_scope": AccessDenied,
    "rate_limited": SlowDown,
    "object_changing": ServiceUnavailable,
    "quota_exceeded": QuotaExceeded,
}


def s3_error_from(error: ApiError) -> S3Error:
    """The S3 error for an ApiError: by its code, else by its status class. Its headers
    (Content-Range of a 416, Retry-After) go along as `headers`, its details (the sizes of a
    too large body) as the error document's elements."""
    kind = _BY_CODE.get(error.code)
    if error.code == "part_size_mismatch" and "MaxSizeAllowed" in error.details:
        kind = EntityTooLarge  # a part over the upload's part size
    if kind is None:
        if error.status == 403:
            kind = AccessDenied
        elif error.status >= 500:
            kind = InternalError
        else:
            kind = InvalidRequest
    translated = kind(error.message, **error.details)
    translated.headers = dict(error.headers)
    return translated


def single_put_too_large(error: ApiError) -> EntityTooLarge:
    """A PutObject over the single-write limit (the policy's 413 too_large), with the client
    setting that fixes it: every S3 tool switches to multipart above a threshold of its own,
    and rclone's default (200 MiB) is above the Workers request-body limit."""
    limit = int(error.details["MaxSizeAllowed"])
    return EntityTooLarge(
        f"A single PutObject may carry at most {limit} bytes; upload larger files in parts "
        f"(rclone: --s3-upload-cutoff={limit // (1024 * 1024)}Mi; AWS CLI: "
        "multipart_threshold; boto3: TransferConfig(multipart_threshold=...); s3cmd: "
        "--multipart-chunk-size-mb).",
        **error.details,
    )
