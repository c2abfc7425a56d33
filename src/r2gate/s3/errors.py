"""S3 errors: one exception class per S3 error code, each with its HTTP status.

Modelled on PyJWT's tree: catch `S3Error` for every S3 failure, or a subclass for one.
Every class answers exactly one wire ``Code`` (the class attribute `code`) with one
`status`. A few subclasses refine a code without changing it, because AWS itself answers
several situations with one code and a telling message: `RequestExpired` and
`RequestNotYetValid` are ``AccessDenied`` ("Request has expired"), as S3 answers an expired
presigned URL; `PolicyExpired` and `PolicyConditionFailed` are ``AccessDenied`` ("Invalid
according to Policy: ..."), as S3 answers a presigned POST outside its policy.

`details` become extra XML elements of the error document (``HeadersNotSigned``,
``ArgumentName``, ``Region``, ``Expires``, ``ServerTime`` ...). Messages and details never
carry a secret, a signature or a string-to-sign.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AccessDenied",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "BadDigest",
    "BucketAlreadyOwnedByYou",
    "EntityTooLarge",
    "EntityTooSmall",
    "IncompleteBody",
    "InternalError",
    "InvalidAccessKeyId",
    "InvalidArgument",
    "InvalidDigest",
    "InvalidPart",
    "InvalidPartNumber",
    "InvalidPartOrder",
    "InvalidPolicyDocument",
    "InvalidRange",
    "InvalidRequest",
    "InvalidToken",
    "InvalidURI",
    "KeyTooLongError",
    "MalformedAwsChunked",
    "MalformedPOSTRequest",
    "MalformedXML",
    "MaxPostPreDataLengthExceededError",
    "MethodNotAllowed",
    "MissingContentLength",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "S3NotImplemented",
    "PolicyConditionFailed",
    "PolicyExpired",
    "PreconditionFailed",
    "QuotaExceeded",
    "RequestExpired",
    "RequestNotYetValid",
    "RequestTimeTooSkewed",
    "S3Error",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "SlowDown",
    "XAmzContentSHA256Mismatch",
]


class S3Error(Exception):
    """Base class: an S3 error ``Code``, an HTTP status, a message and optional details."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "We encountered an internal error. Please try again."

    def __init__(self, message: str | None = None, **details: str) -> None:
        self.message = message if message is not None else self.default_message
        self.details: dict[str, str] = {name: str(value) for name, value in details.items()}
        self.headers: dict[str, str] = {}  # response headers the error needs (Retry-After)
        super().__init__(f"{self.status} {self.code}: {self.message}")


# --- 403 --------------------------------------------------------------------------------


class AccessDenied(S3Error):
    code = "AccessDenied"
    status = 403
    default_message = "Access Denied"


class QuotaExceeded(S3Error):
    """A key pair's (or the prefix's) quota_bytes would be exceeded (r2gate.quotas)."""

    code = "QuotaExceeded"
    status = 403
    default_message = "The upload would exceed the storage quota."


class RequestExpired(AccessDenied):
    """A presigned URL used after X-Amz-Date + X-Amz-Expires."""

    default_message = "Request has expired"


class RequestNotYetValid(AccessDenied):
    """A presigned URL used before its X-Amz-Date (beyond the allowed clock skew)."""

    default_message = "Request is not valid yet"


class PolicyExpired(AccessDenied):
    """A presigned POST whose policy ``expiration`` has passed."""

    default_message = "Invalid according to Policy: Policy expired."


class PolicyConditionFailed(AccessDenied):
    """A presigned POST form that breaks one policy condition (or lacks one for a field)."""

    default_message = "Invalid according to Policy: Policy Condition failed"


class SignatureDoesNotMatch(S3Error):
    code = "SignatureDoesNotMatch"
    status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class InvalidAccessKeyId(S3Error):
    code = "InvalidAccessKeyId"
    status = 403
    default_message = "The AWS Access Key Id you provided does not exist in our records."


class RequestTimeTooSkewed(S3Error):
    code = "RequestTimeTooSkewed"
    status = 403
    default_message = "The difference between the request time and the current time is too large."


# --- 400 --------------------------------------------------------------------------------


class AuthorizationHeaderMalformed(S3Error):
    code = "AuthorizationHeaderMalformed"
    status = 400
    default_message = "The authorization header is malformed."


class AuthorizationQueryParametersError(S3Error):
    code = "AuthorizationQueryParametersError"
    status = 400
    default_message = "Error parsing the X-Amz-Credential parameter."


class InvalidArgument(S3Error):
    code = "InvalidArgument"
    status = 400
    default_message = "Invalid Argument"


class InvalidRequest(S3Error):
    code = "InvalidRequest"
    status = 400
    default_message = "Invalid Request"


class MalformedAwsChunked(InvalidRequest):
    """A ``Content-Encoding: aws-chunked`` body whose framing breaks the grammar."""

    default_message = "The aws-chunked body is malformed."


class InvalidURI(S3Error):
    code = "InvalidURI"
    status = 400
    default_message = "Couldn't parse the specified URI."


class InvalidToken(S3Error):
    code = "InvalidToken"
    status = 400
    default_message = "The provided token is malformed or otherwise invalid."


class XAmzContentSHA256Mismatch(S3Error):
    code = "XAmzContentSHA256Mismatch"
    status = 400
    default_message = "The provided 'x-amz-content-sha256' header does not match what was computed."


class BadDigest(S3Error):
    code = "BadDigest"
    status = 400
    default_message = "The checksum you specified did not match what we received."


class InvalidDigest(S3Error):
    code = "InvalidDigest"
    status = 400
    default_message = "The Content-MD5 you specified is not valid."


class IncompleteBody(S3Error):
    code = "IncompleteBody"
    status = 400
    default_message = "You did not provide the number of bytes specified by the Content-Length."


class EntityTooLarge(S3Error):
    code = "EntityTooLarge"
    status = 400
    default_message = "Your proposed upload exceeds the maximum allowed size."


class EntityTooSmall(S3Error):
    code = "EntityTooSmall"
    status = 400
    default_message = "Your proposed upload is smaller than the minimum allowed size."


class InvalidPolicyDocument(S3Error):
    code = "InvalidPolicyDocument"
    status = 400
    default_message = (
        "The content of the form does not meet the conditions specified in the policy document."
    )


class MalformedPOSTRequest(S3Error):
    code = "MalformedPOSTRequest"
    status = 400
    default_message = "The body of your POST request is not well-formed multipart/form-data."


class MaxPostPreDataLengthExceededError(S3Error):
    code = "MaxPostPreDataLengthExceededError"
    status = 400
    default_message = "Your POST request fields preceding the upload file were too large."


class MalformedXML(S3Error):
    code = "MalformedXML"
    status = 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema."
    )


class InvalidPart(S3Error):
    code = "InvalidPart"
    status = 400
    default_message = "One or more of the specified parts could not be found."


class InvalidPartOrder(S3Error):
    code = "InvalidPartOrder"
    status = 400
    default_message = "The list of parts was not in ascending order."


class KeyTooLongError(S3Error):
    code = "KeyTooLongError"
    status = 400
    default_message = "Your key is too long."


# --- 404, 405, 411, 412, 416, 501 -------------------------------------------------------


class BucketAlreadyOwnedByYou(S3Error):
    code = "BucketAlreadyOwnedByYou"
    status = 409
    default_message = (
        "Your previous request to create the named bucket succeeded and you already own it."
    )


class InvalidPartNumber(S3Error):
    code = "InvalidPartNumber"
    status = 416
    default_message = "The requested partnumber is not satisfiable."


class NoSuchBucket(S3Error):
    code = "NoSuchBucket"
    status = 404
    default_message = "The specified bucket does not exist."


class NoSuchKey(S3Error):
    code = "NoSuchKey"
    status = 404
    default_message = "The specified key does not exist."


class NoSuchUpload(S3Error):
    code = "NoSuchUpload"
    status = 404
    default_message = "The specified multipart upload does not exist."


class MethodNotAllowed(S3Error):
    code = "MethodNotAllowed"
    status = 405
    default_message = "The specified method is not allowed against this resource."


class MissingContentLength(S3Error):
    code = "MissingContentLength"
    status = 411
    default_message = "You must provide the Content-Length HTTP header."


class PreconditionFailed(S3Error):
    code = "PreconditionFailed"
    status = 412
    default_message = "At least one of the pre-conditions you specified did not hold."


class InvalidRange(S3Error):
    code = "InvalidRange"
    status = 416
    default_message = "The requested range is not satisfiable."


class S3NotImplemented(S3Error):
    """The S3 code NotImplemented (named so as not to shadow the builtin)."""

    code = "NotImplemented"
    status = 501
    default_message = (
        "A header or query you provided implies functionality that is not implemented."
    )


# --- 500, 503 -----------------------------------------------------------------------------


class InternalError(S3Error):
    """Storage failed (R2), or r2gate is misconfigured; clients retry it."""

    code = "InternalError"
    status = 500


class SlowDown(S3Error):
    code = "SlowDown"
    status = 503
    default_message = "Please reduce your request rate."


class ServiceUnavailable(S3Error):
    code = "ServiceUnavailable"
    status = 503
    default_message = "Please reduce your request rate."
