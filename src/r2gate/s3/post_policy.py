"""Presigned POST (browser form uploads): the signed policy and the form it governs.

`check_post(prefix, file_length, bucket=..., keyring=..., now=...)` takes the fields that
precede the file (`form_prefix.FormPrefix`) and the file's exact length, and returns a
`PostForm` (who signed it, what it proposes to store, how to answer) or raises:

* InvalidArgument: a required field missing (``key``, ``policy``, ``x-amz-algorithm``,
  ``x-amz-credential``, ``x-amz-date``, ``x-amz-signature``), a repeated or unsupported
  field, a bad credential, date, key or redirect; AccessDenied without any signature
  fields; InvalidRequest for SigV2 forms; InvalidAccessKeyId; SignatureDoesNotMatch (the
  signature is HMAC-SHA256 of the base64 policy text under the SigV4 signing key);
* InvalidPolicyDocument: the policy is not base64 of a strict JSON object with exactly
  ``expiration`` (ISO 8601 UTC) and ``conditions`` (a list of: ``{"field": "value"}``,
  ``["eq", "$field", "value"]``, ``["starts-with", "$field", "prefix"]`` where "" matches
  anything, ``["content-length-range", min, max]``); nesting is bounded before parsing;
* PolicyExpired (AccessDenied): now is at or after ``expiration``;
* PolicyConditionFailed (AccessDenied): a condition fails, or a form field has no
  condition (every field needs one, except ``x-amz-signature``, ``policy``, ``file`` and
  ``x-ignore-*``); EntityTooSmall / EntityTooLarge: outside ``content-length-range``;
Conditions are checked against the fields as sent (field names are case-insensitive;
``bucket`` is the bucket of the URL), except ``key``, whose every ``${filename}`` is first
replaced by the file part's filename, as S3 does. What the form stores (the key, the
``Content-Type``, ``Cache-Control``, ``Content-Disposition``, ``Content-Encoding``,
``Content-Language`` and ``x-amz-meta-*`` fields, the size) and whether the signer may
store it (``sign`` + ``write`` on the key, the pair's ``limits``) is the write policy's to
decide (r2gate.write_policy), as for every other write: the form is a presigned request
of its key pair.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from r2gate.errors import ApiError
from r2gate.json_bounds import JsonRejected, load_json_object
from r2gate.keys import MAX_KEY_BYTES, validate_key
from r2gate.write_policy import Proposal

from .credentials import S3Keyring
from .errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPolicyDocument,
    InvalidRequest,
    KeyTooLongError,
    PolicyConditionFailed,
    PolicyExpired,
    S3NotImplemented,
    SignatureDoesNotMatch,
)
from .form_prefix import FormPrefix
from .sigv4 import (
    ALGORITHM,
    Authenticated,
    PayloadMode,
    parse_amz_date,
    parse_credential,
    signing_key,
)
from .xml import post_response

__all__ = [
    "MAX_POLICY_BYTES",
    "Condition",
    "Policy",
    "PostReply",
    "PostForm",
    "check_post",
    "parse_policy",
]

MAX_POLICY_BYTES = 20 * 1024  # S3's limit on the decoded policy
MAX_POLICY_DEPTH = 3  # {"conditions": [[...]]}
MAX_CONDITIONS = 256
MAX_REDIRECT_CHARS = 2048
_AUTH_FIELDS = ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
_UNCONDITIONED = frozenset({"x-amz-signature", "policy", "file"})
_HTTP_METADATA = {
    "content-type": "contentType",
    "cache-control": "cacheControl",
    "content-disposition": "contentDisposition",
    "content-encoding": "contentEncoding",
    "content-language": "contentLanguage",
}
_OTHER_FIELDS = frozenset(
    {"key", "bucket", "acl", "success_action_status", "success_action_redirect", "redirect"}
)
_EXPIRATION = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


@dataclass(frozen=True)
class Condition:
    """One policy condition: op is "eq", "starts-with" or "content-length-range"."""

    op: str
    field: str = ""  # lower-case, without "$"
    value: str = ""
    minimum: int = 0
    maximum: int = 0

    def __str__(self) -> str:
        if self.op == "content-length-range":
            return f'["content-length-range", {self.minimum}, {self.maximum}]'
        return f'["{self.op}", "${self.field}", "{self.value}"]'


@dataclass(frozen=True)
class Policy:
    expiration: int  # Unix seconds
    conditions: tuple[Condition, ...]

    @property
    def covered(self) -> frozenset[str]:
        return frozenset(c.field for c in self.conditions if c.op != "content-length-range")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _condition(raw: Any) -> Condition:
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise InvalidPolicyDocument("A condition object must have exactly one member.")
        ((name, value),) = raw.items()
        if not isinstance(value, str):
            raise InvalidPolicyDocument(f"The condition on {name!r} must be a string.")
        return Condition("eq", name.lower(), value)
    if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
        raise InvalidPolicyDocument("A condition must be an object or an array.")
    op = raw[0].lower()
    if op == "content-length-range":
        if len(raw) != 3 or not all(_is_int(v) and v >= 0 for v in raw[1:]) or raw[1] > raw[2]:
            raise InvalidPolicyDocument(
                "content-length-range takes two non-negative integers, min <= max."
            )
        return Condition(op, minimum=raw[1], maximum=raw[2])
    if op in ("eq", "starts-with"):
        if len(raw) != 3 or not all(isinstance(v, str) for v in raw[1:]):
            raise InvalidPolicyDocument(f"{op} takes a $field and a string.")
        if not raw[1].startswith("$") or len(raw[1]) < 2:
            raise InvalidPolicyDocument(f"{op} needs a field name starting with $.")
        return Condition(op, raw[1][1:].lower(), raw[2])
    raise InvalidPolicyDocument(f"Unknown condition operator {raw[0]!r}.")


def parse_policy(policy_b64: str) -> Policy:
    """Decode and validate the policy document (InvalidPolicyDocument on any fault)."""
    if len(policy_b64) > MAX_POLICY_BYTES * 4 // 3 + 4 or not _BASE64.fullmatch(policy_b64):
        raise InvalidPolicyDocument("The policy is not base64 of at most 20 KiB.")
    try:
        raw = base64.b64decode(policy_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPolicyDocument("The policy is not base64-encoded.") from None
    try:
        document = load_json_object(raw, max_bytes=MAX_POLICY_BYTES, max_depth=MAX_POLICY_DEPTH)
    except JsonRejected as error:
        raise InvalidPolicyDocument(f"The policy is not one JSON object: {error}.") from None
    if set(document) != {"expiration", "conditions"}:
        raise InvalidPolicyDocument("The policy must have exactly expiration and conditions.")
    expiration, conditions = document["expiration"], document["conditions"]
    match = _EXPIRATION.fullmatch(expiration) if isinstance(expiration, str) else None
    if match is None:
        raise InvalidPolicyDocument("expiration must be an ISO 8601 UTC time.")
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise InvalidPolicyDocument("expiration is not a valid time.") from None
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        raise InvalidPolicyDocument(f"conditions must be a list of at most {MAX_CONDITIONS}.")
    return Policy(int(moment.timestamp()), tuple(_condition(c) for c in conditions))


@dataclass(frozen=True)
class PostReply:
    """How to answer a stored POST: status, headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class PostForm:
    """A form whose signature and policy verified: who signed it (a presigned request of
    that key pair), what it proposes to store (the write policy decides), how to answer."""

    signed: Authenticated
    proposal: Proposal
    success_status: int = 204
    redirect: str | None = None
    acl: str | None = None  # a canned ACL (r2gate.s3.acl decides whether it holds)

    @property
    def key(self) -> str:
        return self.proposal.key

    def reply(self, *, bucket: str, etag: str, location: str) -> PostReply:
        """The success answer: a 303 to the redirect, else 204, 200, or 201 with XML.
        `etag` quoted; `location` the object's URL."""
        headers = {"ETag": etag, "Location": location}
        if self.redirect is not None:
            query = urlencode({"bucket": bucket, "key": self.key, "etag": etag})
            separator = "&" if urlsplit(self.redirect).query else "?"
            return PostReply(303, {"Location": f"{self.redirect}{separator}{query}"})
        if self.success_status == 201:
            body = post_response(location, bucket, self.key, etag)
            return PostReply(201, {**headers, "Content-Type": "application/xml"}, body)
        return PostReply(self.success_status, headers)


def _form(prefix: FormPrefix) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in prefix.fields:
        name = item.name.lower()
        if name.startswith("x-ignore-"):
            continue
        if name in fields:
            raise InvalidArgument(
                f"The form field {item.name} is repeated.", ArgumentName=item.name
            )
        fields[name] = item.value
    return fields


def _verify(form: Mapping[str, str], keyring: S3Keyring) -> Authenticated:
    if "awsaccesskeyid" in form or "signature" in form:
        raise InvalidRequest(f"Signature Version 2 POST forms are not supported; use {ALGORITHM}.")
    if not any(name in form for name in _AUTH_FIELDS):
        raise AccessDenied(
            "Anonymous POST uploads are not allowed; sign a POST policy (its fields must "
            "come before the file)."
        )
    for name in ("key", *_AUTH_FIELDS):
        if name not in form:
            raise InvalidArgument(
                f"Bucket POST must contain a field named '{name}' before the file.",
                ArgumentName=name,
            )
    if form["x-amz-algorithm"] != ALGORITHM:
        raise InvalidArgument(
            f"x-amz-algorithm must be {ALGORITHM}.", ArgumentName="x-amz-algorithm"
        )
    scope = parse_credential(form["x-amz-credential"], InvalidArgument)
    try:
        signed_at = parse_amz_date(form["x-amz-date"])
    except ValueError:
        raise InvalidArgument(
            "x-amz-date must be yyyyMMdd'T'HHmmss'Z'.", ArgumentName="x-amz-date"
        ) from None
    if form["x-amz-date"][:8] != scope.date:
        raise InvalidArgument(
            "The credential date is not the day of x-amz-date.", ArgumentName="x-amz-credential"
        )
    credential = keyring.lookup(scope.access_key_id)
    signature = form["x-amz-signature"]
    if not _SIGNATURE.fullmatch(signature):
        raise InvalidArgument(
            "x-amz-signature must be 64 lower-case hex digits.", ArgumentName="x-amz-signature"
        )
    key = signing_key(credential.secret_access_key, scope.date, scope.region)
    expected = hmac.new(key, form["policy"].encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        raise SignatureDoesNotMatch(AWSAccessKeyId=credential.access_key_id)
    return Authenticated(
        credential=credential,
        presigned=True,
        scope=scope,
        signed_headers=(),
        request_time=signed_at,
        expires_at=None,
        payload_mode=PayloadMode.UNSIGNED,
        payload_sha256=None,
    )


def _check_conditions(
    policy: Policy, form: Mapping[str, str], bucket: str, file_length: int, key: str
) -> None:
    """Every field is covered by a condition, and every condition holds: ``bucket`` is the
    URL's bucket, ``key`` the key after ``${filename}`` was replaced (as S3 checks it)."""
    extra = sorted(
        name for name in form if name not in _UNCONDITIONED and name not in policy.covered
    )
    if extra:
        raise PolicyConditionFailed(
            f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
        )
    for condition in policy.conditions:
        if condition.op == "content-length-range":
            if file_length < condition.minimum:
                raise EntityTooSmall(
                    MinSizeAllowed=str(condition.minimum), ProposedSize=str(file_length)
                )
            if file_length > condition.maximum:
                raise EntityTooLarge(
                    MaxSizeAllowed=str(condition.maximum), ProposedSize=str(file_length)
                )
            continue
        if condition.field == "bucket":
            value = bucket
        elif condition.field == "key":
            value = key
        else:
            value = form.get(condition.field, "")
        holds = (
            value == condition.value if condition.op == "eq" else value.startswith(condition.value)
        )
        if not holds:
            raise PolicyConditionFailed(
                f"Invalid according to Policy: Policy Condition failed: {condition}"
            )


def _final_key(template: str, filename: str) -> str:
    key = template.replace("${filename}", filename)
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise KeyTooLongError(MaxSizeAllowed=str(MAX_KEY_BYTES))
    try:
        return validate_key(key)
    except ApiError as exc:
        raise InvalidArgument(exc.message, ArgumentName="key") from None


def _metadata(form: Mapping[str, str]) -> dict[str, str]:
    """The ``x-amz-meta-*`` fields as metadata names and values (the policy checks them)."""
    return {
        name.removeprefix("x-amz-meta-"): value
        for name, value in form.items()
        if name.startswith("x-amz-meta-")
    }


def _redirect(form: Mapping[str, str]) -> str | None:
    value = form.get("success_action_redirect", form.get("redirect"))
    if value is None or value == "":
        return None
    parts = urlsplit(value) if len(value) <= MAX_REDIRECT_CHARS else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or not value.isascii()
        or any(c <= " " or c == "\x7f" for c in value)
    ):
        raise InvalidArgument(
            "success_action_redirect must be an absolute http(s) URL.",
            ArgumentName="success_action_redirect",
        )
    return value


def _check_supported(form: Mapping[str, str]) -> None:
    for name in form:
        known = (
            name in _AUTH_FIELDS
            or name in _HTTP_METADATA
            or name in _OTHER_FIELDS
            or name.startswith("x-amz-meta-")
        )
        if not known:
            raise S3NotImplemented(f"The form field {name} is not supported.", Header=name)


def check_post(
    prefix: FormPrefix, file_length: int, *, bucket: str, keyring: S3Keyring, now: float
) -> PostForm:
    """Check a presigned POST form (module docstring) and describe the upload."""
    form = _form(prefix)
    signed = _verify(form, keyring)
    if form.get("bucket", bucket) != bucket:
        raise InvalidArgument("The bucket field names another bucket.", ArgumentName="bucket")
    policy = parse_policy(form["policy"])
    if now >= policy.expiration:
        raise PolicyExpired()
    key = _final_key(form["key"], prefix.filename)
    _check_conditions(policy, form, bucket, file_length, key)
    _check_supported(form)
    headers = {name: value for name, value in form.items() if name in _HTTP_METADATA}
    proposal = Proposal(key, file_length, form.get("content-type"), headers, _metadata(form))
    status = form.get("success_action_status", "204")
    return PostForm(
        signed=signed,
        proposal=proposal,
        success_status=int(status) if status in ("200", "201", "204") else 204,
        redirect=_redirect(form),
        acl=form.get("acl"),
    )
