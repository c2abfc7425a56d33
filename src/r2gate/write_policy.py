"""The one write policy: what any write may store, whoever asks and however it arrives.

r2gate takes writes on several surfaces: the native API (PUT, multipart, DELETE) with API
keys and upload tokens, and the S3 API (PutObject, POST forms, CopyObject, multipart,
DeleteObject(s)). Each surface turns its request into plain values, a `Proposal` (the key,
the size, the Content-Type, the stored headers, the custom metadata and the preconditions,
all as sent), and asks this module. No surface decides any of it on its own:

* `decide_write`: one write (PUT, PutObject, a POST form, CopyObject) -> `WritePlan`;
* `decide_upload`: the creation of a multipart upload -> `UploadPlan`, whose limits the
  upload's record carries (`upload_records.Manifest`), so that its parts and its completion
  are bounded by them whoever sends those;
* `check_part`: one part of an upload;
* `decide_completion`: an upload's completion -> `CompletionPlan`;
* `decide_delete`: a delete -> `DeletePlan`.

The writer is a `Principal` (r2gate.auth): it must be allowed the operation on the key, and
its `upload` bounds decide what it may store.

* A trusted writer (``upload`` None: an API key, a header-signed S3 request) stores the type,
  headers and metadata it sends, and may replace objects.
* A bounded writer (an upload token, a presigned S3 request of a key pair with ``limits``)
  stores a type its bounds allow (an active type, HTML, SVG, JavaScript, only when they name
  it exactly), within their sizes, create-only unless they allow overwriting. A token's own
  Cache-Control and metadata are stored instead of the request's (``own_headers`` False); an
  S3 pair's limits leave those to the request.

Every write, whoever makes it, gets the same checks of what it stores:

* the key (r2gate.keys);
* the Content-Type: exactly one RFC 9110 media type (one field, no list), stored in its
  canonical form; a generic type never hides the key's known extension
  (r2gate.content_types);
* Cache-Control, Content-Disposition, Content-Encoding, Content-Language and the custom
  metadata, each by its grammar (r2gate.stored_fields);
* the size against the single-write limit and the bounds;
* create-only and the preconditions (If-Match, If-None-Match, If-Unmodified-Since;
  r2gate.conditional): decided by R2's ``onlyIf`` in the write itself where R2 can, else
  against the current object, which the write is then pinned to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .conditional import Current, WriteConditions, pinned, write_conditions
from .content_types import StoredType, stored_content_type
from .errors import ApiError
from .events import SYSTEM, Actor
from .keys import is_folder_marker, validate_folder_marker, validate_key
from .mediatype import MediaType, MediaTypeError, parse_media_type, single_media_type
from .operations import Operation
from .stored_fields import FieldError, checked_metadata, checked_stored_headers
from .upload_records import Manifest, PartRecord
from .uploads import UploadBounds, parse_content_length

__all__ = [
    "MAX_SINGLE_WRITE",
    "MIB",
    "MIN_PART_SIZE",
    "CompletionPlan",
    "DeletePlan",
    "PartBounds",
    "Proposal",
    "UploadPlan",
    "WritePlan",
    "Writer",
    "already_exists",
    "check_metadata",
    "check_part",
    "check_upload_length",
    "check_stored_headers",
    "decide_completion",
    "decide_delete",
    "decide_upload",
    "decide_write",
    "largest_part",
    "part_bounds",
    "precondition_failed",
    "put_proposal",
]

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # R2: every part but the last
MAX_SINGLE_WRITE = 5 * 1024 * MIB  # R2's largest single put (a copy; a request is smaller)
_EMPTY: Mapping[str, str] = {}


class Writer(Protocol):
    """Who writes: a `r2gate.auth.Principal`."""

    @property
    def upload(self) -> UploadBounds | None: ...

    @property
    def actor(self) -> Actor: ...

    def require(self, operation: Operation, key: str | None = None) -> None: ...


@dataclass(frozen=True)
class Proposal:
    """What a request proposes to store, every value as it arrived (checked by the policy).

    `length` is the declared size: a number, or a Content-Length value as sent (None: not
    known, as for a multipart upload's creation). `headers` and `preconditions` have
    lower-case names; `content_type` is None when absent. `explicit`: the values were asked
    for explicitly (a JSON body), so values the writer may not set are refused rather than
    ignored. `type_field` names the Content-Type in messages (``content_type`` in a JSON
    body)."""

    key: str
    length: int | str | None = None
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    metadata: Mapping[str, str] | None = None
    preconditions: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    explicit: bool = False
    type_field: str = "Content-Type"


def put_proposal(key: str, headers: Mapping[str, str]) -> Proposal:
    """A native ``PUT /<key>``'s proposal: its Content-Length, Content-Type, stored headers
    and preconditions, from the request's headers (lower-case names)."""
    return Proposal(
        key,
        headers.get("content-length"),
        headers.get("content-type"),
        headers,
        None,
        headers,
    )


# --- errors ---------------------------------------------------------------------------------


def already_exists() -> ApiError:
    """412 for a create-only write whose key is taken."""
    return ApiError(
        412,
        "already_exists",
        "An object with this key exists and this writer may not overwrite it.",
    )


def precondition_failed() -> ApiError:
    """412 for a write whose If-Match, If-None-Match or If-Unmodified-Since does not hold."""
    return ApiError(
        412,
        "precondition_failed",
        "A precondition (If-Match, If-None-Match or If-Unmodified-Since) does not hold for "
        "the current object; nothing was written.",
    )


def _sizes(limit: int, length: int) -> dict[str, str]:
    return {"MaxSizeAllowed": str(limit), "ProposedSize": str(length)}


def _too_large(limit: int, length: int, message: str) -> ApiError:
    return ApiError(413, "too_large", message, details=_sizes(limit, length))


def _not_allowed(media: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", f"This writer may not store {media}.")


# --- what is stored ---------------------------------------------------------------------------


def check_stored_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """R2 httpMetadata for the stored headers in `headers` (r2gate.stored_fields): 400
    invalid_header naming the one that may not be stored."""
    try:
        return checked_stored_headers(headers)
    except FieldError as error:
        raise ApiError(400, "invalid_header", str(error)) from None


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The custom metadata to store (r2gate.stored_fields): 400 invalid_metadata saying what
    is wrong."""
    try:
        return checked_metadata(metadata)
    except FieldError as error:
        raise ApiError(400, "invalid_metadata", str(error)) from None


def _media_type(value: str | None, what: str) -> MediaType | None:
    try:
        return single_media_type(value)
    except MediaTypeError as error:
        raise ApiError(
            400, "invalid_content_type", f"The {what} must be one media type: {error}."
        ) from None


def _bounded_type(bounds: UploadBounds, sent: MediaType | None, key: str) -> StoredType:
    """The type sent (a generic one replaced by the key's known type), else the bounds' one
    exact type, else the key's type; it must be allowed by the bounds (415). When the key's
    type replaced a generic one the bounds do not allow, the type sent is stored if they
    allow it."""
    if sent is None:
        exact = bounds.exact_type
        candidates = [StoredType(exact) if exact else stored_content_type(None, key)]
    else:
        stored = stored_content_type(sent, key)
        candidates = [stored] + ([StoredType(sent.canonical)] if stored.replaced else [])
    for candidate in candidates:
        if bounds.allows_content_type(parse_media_type(candidate.content_type)):
            return candidate
    raise _not_allowed(candidates[0].content_type)


def _stored_type(bounds: UploadBounds | None, proposal: Proposal, key: str) -> StoredType:
    sent = _media_type(proposal.content_type, proposal.type_field)
    return stored_content_type(sent, key) if bounds is None else _bounded_type(bounds, sent, key)


def _described(
    bounds: UploadBounds | None, proposal: Proposal, content_type: str
) -> tuple[dict[str, str], dict[str, str]]:
    """R2's httpMetadata and customMetadata: the writer's own, or a token's."""
    if bounds is None or bounds.own_headers:
        http = check_stored_headers(proposal.headers)
        metadata = check_metadata(proposal.metadata)
    else:
        if proposal.explicit and (proposal.metadata or proposal.headers):
            raise ApiError(
                400,
                "invalid_request",
                "With a token, 'metadata' and 'cache_control' come from the token.",
            )
        granted = {} if bounds.cache_control is None else {"cache-control": bounds.cache_control}
        http = check_stored_headers(granted)
        metadata = check_metadata(bounds.metadata)
    return {"contentType": content_type, **http}, metadata


# --- one write --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WritePlan:
    """A write that passed every check: what to store and how its preconditions are met.

    Use: when `reads_current` is True, read the object at the key (R2 head) and give it to
    `guard`, else give None; `guard` raises 412 or returns R2's ``onlyIf`` (or None); put with
    `options(only_if)`; when R2 returns null, raise `refusal()`."""

    key: str
    length: int
    stored: StoredType
    http_metadata: dict[str, str]
    custom_metadata: dict[str, str]
    sha256: str | None
    create_only: bool
    conditions: WriteConditions
    trusted: bool
    actor: Actor = SYSTEM  # who writes, for its upload event

    @property
    def content_type(self) -> str:
        return self.stored.content_type

    @property
    def reports_replacement(self) -> bool:
        """Whether the answer says if an object was replaced (200) or created (201): only a
        writer that may replace one needs to know, and an If-Match or If-None-Match: * that
        R2 decides alone already says."""
        return not self.create_only and self.conditions.only_if is None

    def reads_current(self, *, reporting: bool = False) -> bool:
        """Must the current object be read first? When the preconditions are more than one R2
        condition or meet a create-only grant; with `reporting`, also to tell 200 from 201."""
        checked = self.conditions.present and (self.conditions.needs_current or self.create_only)
        return checked or (reporting and self.reports_replacement)

    def guard(self, current: Current | None) -> dict[str, str] | None:
        """R2's ``onlyIf`` for the put, so that the preconditions and the write are one step:
        the request's own condition when R2 decides it alone, else the object that was read
        (`current`, None: none) pinned by its etag, or pinned absent. 412
        precondition_failed when the preconditions do not hold against `current`; 412
        already_exists when a create-only write meets an object."""
        conditions = self.conditions
        if conditions.present and (conditions.needs_current or self.create_only):
            if not conditions.holds(current):
                raise precondition_failed()
            if self.create_only and current is not None:
                raise already_exists()
            return pinned(current)
        if self.create_only:
            return {"etagDoesNotMatch": "*"}
        return conditions.only_if

    def options(self, only_if: dict[str, str] | None) -> dict[str, Any]:
        """R2 put options: the stored headers and metadata, the sha256 to verify, onlyIf."""
        options: dict[str, Any] = {"httpMetadata": self.http_metadata}
        if self.custom_metadata:
            options["customMetadata"] = self.custom_metadata
        if self.sha256 is not None:
            options["sha256"] = self.sha256
        if only_if is not None:
            options["onlyIf"] = only_if
        return options

    def refusal(self) -> ApiError:
        """The 412 when R2's put returned null: its onlyIf failed."""
        return precondition_failed() if self.conditions.present else already_exists()

    def status(self, current: Current | None, only_if: dict[str, str] | None) -> int:
        """200 when an object was replaced, 201 when one was created."""
        replaced = current is not None or (only_if or {}).get("etagMatches") is not None
        return 200 if replaced else 201


def _declared_length(length: int | str | None) -> int:
    """411 length_required when unknown; a Content-Length as sent must be one canonical
    decimal number (400 invalid_content_length)."""
    if isinstance(length, int):
        return length
    if length is None:
        raise ApiError(411, "length_required", "A Content-Length header is required.")
    return parse_content_length({"content-length": length})


def _check_length(bounds: UploadBounds | None, length: int, max_single: int) -> None:
    if length > max_single:
        raise _too_large(
            max_single,
            length,
            f"A single write may carry at most {max_single} bytes; use a multipart upload "
            "for larger files.",
        )
    if bounds is None:
        return
    if bounds.exact_length is not None and length != bounds.exact_length:
        raise ApiError(400, "length_mismatch", "The body's length differs from the grant's len.")
    if bounds.max_bytes is not None and length > bounds.max_bytes:
        raise _too_large(
            bounds.max_bytes, length, f"The body exceeds the grant's max of {bounds.max_bytes}."
        )


def decide_write(writer: Writer, proposal: Proposal, *, max_single: int) -> WritePlan:
    """Check one write, in order: the key (400 invalid_key), who may (403), the size (411
    length_required, 400 invalid_content_length, 413 too_large, 400 length_mismatch), the
    type (400 invalid_content_type, 415 unsupported_media_type), the stored headers (400
    invalid_header) and metadata (400 invalid_metadata); the preconditions are parsed here
    and met by the plan."""
    key = validate_folder_marker(proposal.key)
    writer.require(Operation.WRITE, key)
    bounds = writer.upload
    length = _declared_length(proposal.length)
    if is_folder_marker(key) and length:
        raise ApiError(400, "invalid_key", "A key ending in '/' is a folder marker: no bytes.")
    _check_length(bounds, length, max_single)
    stored = _stored_type(bounds, proposal, key)
    http, metadata = _described(bounds, proposal, stored.content_type)
    return WritePlan(
        key=key,
        length=length,
        stored=stored,
        http_metadata=http,
        custom_metadata=metadata,
        sha256=bounds.sha256 if bounds is not None else None,
        create_only=bounds is not None and not bounds.overwrite,
        conditions=write_conditions(proposal.preconditions),
        trusted=bounds is None,
        actor=writer.actor,
    )


# --- multipart uploads ------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadPlan:
    """A multipart upload that may be created: what it stores, R2's createMultipartUpload
    options, and the limits its record keeps (`bounds`: None for a trusted writer).

    When `create_only`, check the key first (`check_creatable`)."""

    key: str
    stored: StoredType
    options: dict[str, Any]
    bounds: UploadBounds | None

    @property
    def content_type(self) -> str:
        return self.stored.content_type

    @property
    def create_only(self) -> bool:
        return self.bounds is not None and not self.bounds.overwrite

    def check_creatable(self, current: Current | None) -> None:
        """412 already_exists when a create-only upload's key is taken."""
        if self.create_only and current is not None:
            raise already_exists()


def _no_checksum(bounds: UploadBounds | None) -> None:
    if bounds is not None and bounds.sha256 is not None:
        raise ApiError(
            400,
            "checksum_unsupported",
            "A multipart upload cannot be verified against the grant's sha256; "
            "use a single PUT or a grant without sha256.",
        )


def decide_upload(writer: Writer, proposal: Proposal) -> UploadPlan:
    """Check a multipart upload's creation: who may (403), the key, the type (400, 415), the
    stored headers and metadata (400), a grant's sha256 (400 checksum_unsupported: R2 cannot
    verify one over a multipart object)."""
    key = validate_key(proposal.key)
    writer.require(Operation.MULTIPART, key)
    bounds = writer.upload
    stored = _stored_type(bounds, proposal, key)
    _no_checksum(bounds)
    http, metadata = _described(bounds, proposal, stored.content_type)
    options: dict[str, Any] = {"httpMetadata": http}
    if metadata:
        options["customMetadata"] = metadata
    return UploadPlan(key, stored, options, bounds)


def check_upload_length(plan: UploadPlan, length: int | None) -> None:
    """An upload whose whole length is declared at creation (tus ``Upload-Length``): 413
    too_large above the bounds' max, 400 length_mismatch unlike their exact length."""
    bounds = plan.bounds
    if length is None or bounds is None:
        return
    if bounds.max_bytes is not None and length > bounds.max_bytes:
        raise _too_large(
            bounds.max_bytes, length, f"The upload exceeds the grant's max of {bounds.max_bytes}."
        )
    if bounds.exact_length is not None and length != bounds.exact_length:
        raise ApiError(400, "length_mismatch", "The upload's length differs from the grant's len.")


@dataclass(frozen=True)
class PartBounds:
    """What an upload's parts may add up to (None: unbounded) and whether its completion is
    create-only: the upload's own limits, narrowed by those of the writer sending now."""

    max_bytes: int | None = None
    exact_length: int | None = None
    create_only: bool = False

    @property
    def bounded(self) -> bool:
        return self.max_bytes is not None or self.exact_length is not None


def part_bounds(manifest: Manifest, bounds: UploadBounds | None) -> PartBounds:
    """The upload's limits (its record), narrowed by the bounds of the writer now: a bounded
    writer also needs the upload's type to be one it may store (415), no sha256 (400), and
    its own create-only. Two different exact lengths cannot both be met: 400
    length_mismatch."""
    now = bounds or UploadBounds(overwrite=True)
    if bounds is not None:
        if not bounds.allows_content_type(parse_media_type(manifest.content_type)):
            raise _not_allowed(manifest.content_type)
        _no_checksum(bounds)
    maxima = [m for m in (manifest.max_bytes, now.max_bytes) if m is not None]
    exact = {e for e in (manifest.exact_length, now.exact_length) if e is not None}
    if len(exact) > 1:
        raise ApiError(400, "length_mismatch", "The grant's 'len' differs from the upload's.")
    return PartBounds(
        min(maxima) if maxima else None,
        exact.pop() if exact else None,
        create_only=not manifest.overwrite or not now.overwrite,
    )


def _parts_too_large(bounds: PartBounds, length: int) -> ApiError:
    limit = bounds.max_bytes if bounds.max_bytes is not None else bounds.exact_length
    assert limit is not None
    return _too_large(limit, length, f"The parts together exceed the upload's limit of {limit}.")


def largest_part(manifest: Manifest, part_number: int, bounds: PartBounds) -> int:
    """The most bytes part `part_number` may carry: the part size, and under a limit L only
    parts 1..N exist (N = ceil(L / part size)), part N carrying at most what is left of L.
    Whatever parts are sent, at the same time or again, they can never add up to more than L
    (0: this part number may not be sent)."""
    if not bounds.bounded:
        return manifest.part_size
    limit = min(x for x in (bounds.max_bytes, bounds.exact_length) if x is not None)
    last = -(-limit // manifest.part_size)
    if part_number > last:
        return 0
    if part_number == last:
        return limit - (last - 1) * manifest.part_size
    return manifest.part_size


def check_part(
    manifest: Manifest, bounds: UploadBounds | None, part_number: int, declared: int | str | None
) -> int:
    """The length of a part a writer with `bounds` may send (`declared`: a number, or the
    Content-Length as sent: 411, 400 invalid_content_length): 400 part_size_mismatch when
    empty or larger than the part size, 413 too_large past `largest_part` (so parts sent
    concurrently cannot store more than the limit), 415 / 400 as `part_bounds`. Smaller parts
    are checked at completion."""
    length = _declared_length(declared)
    limits = part_bounds(manifest, bounds)
    if length == 0:
        raise ApiError(400, "part_size_mismatch", "A part must carry at least one byte.")
    if length > manifest.part_size:
        raise ApiError(
            400,
            "part_size_mismatch",
            f"A part may carry at most the upload's part size, {manifest.part_size} bytes.",
            details=_sizes(manifest.part_size, length),
        )
    if length > largest_part(manifest, part_number, limits):
        raise _parts_too_large(limits, length)
    return length


@dataclass(frozen=True)
class CompletionPlan:
    """An upload's completion that passed every check: R2's ``complete`` argument, and the
    preconditions (and create-only) to check against the object at the key right before.

    R2's complete takes no condition: the check is a read just before it (`reads_current`,
    `check`), and a write landing in between is replaced (docs)."""

    parts: list[dict[str, Any]]
    conditions: WriteConditions
    create_only: bool
    size: int

    @property
    def reads_current(self) -> bool:
        return self.conditions.present or self.create_only

    def check(self, current: Current | None) -> None:
        """412 precondition_failed / already_exists against the object at the key."""
        if self.conditions.present and not self.conditions.holds(current):
            raise precondition_failed()
        if self.create_only and current is not None:
            raise already_exists()


def _invalid_part(message: str) -> ApiError:
    return ApiError(400, "invalid_part", message)


def _check_part_sizes(
    manifest: Manifest, records: Mapping[int, PartRecord], numbers: Sequence[int]
) -> None:
    """Every part but the last has the upload's part size; for a client-sized (S3) upload,
    the size of part 1, at least 5 MiB (400 part_too_small)."""
    part_size = manifest.part_size
    if manifest.client_sized:
        part_size = records[numbers[0]].size
        if len(numbers) > 1 and part_size < MIN_PART_SIZE:
            raise ApiError(
                400, "part_too_small", "Every part except the last must be at least 5 MiB."
            )
    last = numbers[-1]
    if manifest.client_sized and len(numbers) > 1 and records[last].size > part_size:
        raise ApiError(
            400, "part_size_mismatch", f"Part {last}, the last, is larger than the other parts."
        )
    for number in numbers[:-1]:
        if records[number].size != part_size:
            raise ApiError(
                400,
                "part_size_mismatch",
                f"Part {number} differs from the part size ({part_size} bytes); only the last "
                "part may be smaller.",
            )


def decide_completion(
    manifest: Manifest,
    bounds: UploadBounds | None,
    records: Mapping[int, PartRecord],
    requested: Sequence[tuple[int, str]],
    preconditions: Mapping[str, str],
    *,
    every_part: bool = True,
) -> CompletionPlan:
    """Check a completion by a writer with `bounds`: the client's part list names received
    parts in ascending order with the etags it was given for them (400 invalid_part_order,
    invalid_part, part_size_mismatch); with `every_part` (r2gate's own API) exactly the parts
    1..n that were received, else (S3) any of them, gaps allowed, the rest discarded. Their
    total must be within the limits (413 too_large, 400 length_mismatch), the type allowed
    (415)."""
    limits = part_bounds(manifest, bounds)
    numbers = [number for number, _ in requested]
    if any(later <= earlier for earlier, later in zip(numbers, numbers[1:], strict=False)):
        raise ApiError(400, "invalid_part_order", "Parts must be listed in ascending order.")
    for position, (number, etag) in enumerate(requested, start=1):
        if every_part and number != position:
            raise _invalid_part(f"Part {position} is missing from the list.")
        record = records.get(number)
        if record is None:
            raise _invalid_part(f"Part {number} was not received.")
        if not record.etag_matches(etag):
            raise _invalid_part(f"Part {number}'s etag does not match the received part.")
    extra = sorted(n for n in records if n > len(requested))
    if every_part and extra:
        raise _invalid_part(
            f"Part {extra[0]} was received but is not listed; list every part or abort."
        )
    _check_part_sizes(manifest, records, numbers)
    total = sum(records[number].size for number in numbers)
    if limits.max_bytes is not None and total > limits.max_bytes:
        raise _parts_too_large(limits, total)
    if limits.exact_length is not None and total != limits.exact_length:
        raise ApiError(400, "length_mismatch", "The parts do not add up to the grant's 'len'.")
    parts = [{"partNumber": number, "etag": records[number].etag} for number in numbers]
    return CompletionPlan(parts, write_conditions(preconditions), limits.create_only, total)


# --- deletes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletePlan:
    """A delete that may go ahead once its preconditions hold against the object at the key.

    R2's delete takes no condition: the check is a read just before it (`reads_current`,
    `check`), and a write landing in between is deleted (docs)."""

    key: str
    conditions: WriteConditions
    actor: Actor = SYSTEM  # who deletes, for its event

    @property
    def reads_current(self) -> bool:
        return self.conditions.present

    def check(self, current: Current | None) -> None:
        """412 precondition_failed unless the preconditions hold against `current`."""
        if self.conditions.present and not self.conditions.holds(current):
            raise precondition_failed()


def decide_delete(writer: Writer, key: str, preconditions: Mapping[str, str]) -> DeletePlan:
    """Check a delete: the key, who may (403), and its If-Match, If-None-Match and
    If-Unmodified-Since."""
    key = validate_folder_marker(key)
    writer.require(Operation.DELETE, key)
    return DeletePlan(key, write_conditions(preconditions), writer.actor)
