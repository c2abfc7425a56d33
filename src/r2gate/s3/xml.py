"""S3 XML: the response documents, and bounded parsers for the two request bodies.

Builders return UTF-8 bytes with the XML declaration and S3's namespace. Text is escaped
exactly: ``& < >`` (and ``"`` ``'`` for safety), CR as ``&#13;`` (so it survives XML's
line-end normalisation), and characters XML 1.0 cannot carry (C0 controls other than
TAB/LF, lone surrogates, U+FFFE/U+FFFF) as character references in the form S3 uses, so a
key is never lost or turned into markup. With ``encoding-type=url`` listings percent-encode
keys and prefixes instead (botocore decodes them).

Parsers (`parse_complete_multipart_upload`, `parse_delete`) take the raw body, at most
`MAX_COMPLETE_BYTES` / `MAX_DELETE_BYTES`, and accept only the documented shape: an
optional XML declaration, elements, text, the five predefined entities and numeric
character references. A DOCTYPE, comment, processing instruction, CDATA section or any
other entity is MalformedXML, so there is nothing to expand. The scanner is a loop, not
recursion, and refuses nesting deeper than the schema (`MAX_DEPTH`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from .errors import InvalidArgument, InvalidPartOrder, MalformedXML, S3Error

__all__ = [
    "MAX_COMPLETE_BYTES",
    "MAX_DELETE_BYTES",
    "MAX_DELETE_OBJECTS",
    "CompletedPart",
    "DeleteError",
    "DeleteRequest",
    "ListEntry",
    "ListedPart",
    "complete_multipart_upload_result",
    "copy_object_result",
    "delete_result",
    "error_document",
    "error_for",
    "escape",
    "initiate_multipart_upload_result",
    "list_all_my_buckets_result",
    "list_bucket_result",
    "list_objects_v2_result",
    "list_parts_result",
    "location_constraint",
    "parse_complete_multipart_upload",
    "parse_delete",
    "post_response",
    "s3_time",
]

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
MAX_DELETE_OBJECTS = 1000
MAX_DELETE_BYTES = 2 * 1024 * 1024
MAX_PARTS = 10_000
MAX_COMPLETE_BYTES = 6 * 1024 * 1024
MAX_DEPTH = 4
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;"}
_TO_ESCAPE = re.compile("[&<>\"'\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"&#x{ord(char):X};"


def escape(text: str) -> str:
    """Text content, escaped exactly."""
    return _TO_ESCAPE.sub(_escape_one, text)


def s3_time(moment: datetime) -> str:
    """``2026-11-26T09:40:38.000Z``: S3's timestamp in XML."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _url(text: str) -> str:
    return quote(text, safe="/~")


def _listed(text: str | None, url: bool) -> str | None:
    """A key, prefix, marker or delimiter as listed: percent-encoded with encoding-type=url."""
    return None if text is None else (_url(text) if url else text)


def _element(name: str, text: str | int | None) -> str:
    if text is None:
        return ""
    return f"<{name}>{escape(str(text))}</{name}>"


def _document(root: str, body: Iterable[str], namespace: bool = True) -> bytes:
    attribute = f' xmlns="{NAMESPACE}"' if namespace else ""
    return f"{DECLARATION}<{root}{attribute}>{''.join(body)}</{root}>".encode(
        "utf-8", "surrogatepass"
    )


def _bool(value: bool) -> str:
    return "true" if value else "false"


# --- responses ---------------------------------------------------------------------------


def error_document(
    code: str, message: str, request_id: str, resource: str | None = None, **details: str
) -> bytes:
    """``<Error><Code/><Message/>[details]<Resource/><RequestId/></Error>`` (no namespace)."""
    parts = [_element("Code", code), _element("Message", message)]
    parts += [_element(name, value) for name, value in details.items()]
    parts += [_element("Resource", resource), _element("RequestId", request_id)]
    return _document("Error", parts, namespace=False)


def error_for(error: S3Error, request_id: str, resource: str | None = None) -> bytes:
    """The error document of an `S3Error`."""
    return error_document(error.code, error.message, request_id, resource, **error.details)


OWNER_ID = "r2gate"  # the one account r2gate's bucket belongs to


def _owner() -> str:
    return f"<Owner>{_element('ID', OWNER_ID)}{_element('DisplayName', OWNER_ID)}</Owner>"


@dataclass(frozen=True)
class ListEntry:
    key: str
    last_modified: datetime
    etag: str  # quoted
    size: int
    storage_class: str = "STANDARD"


def _contents(entries: Iterable[ListEntry], url: bool, owner: bool = False) -> Iterator[str]:
    for entry in entries:
        key = _listed(entry.key, url)
        yield (
            f"<Contents>{_element('Key', key)}"
            f"{_element('LastModified', s3_time(entry.last_modified))}"
            f"{_element('ETag', entry.etag)}{_element('Size', entry.size)}"
            f"{_owner() if owner else ''}"
            f"{_element('StorageClass', entry.storage_class)}</Contents>"
        )


def _prefixes(prefixes: Iterable[str], url: bool) -> Iterator[str]:
    for prefix in prefixes:
        yield f"<CommonPrefixes>{_element('Prefix', _listed(prefix, url))}</CommonPrefixes>"


def list_objects_v2_result(
    *,
    bucket: str,
    prefix: str,
    delimiter: str | None,
    max_keys: int,
    entries: Sequence[ListEntry],
    common_prefixes: Sequence[str],
    truncated: bool,
    continuation_token: str | None = None,
    next_continuation_token: str | None = None,
    start_after: str | None = None,
    encoding_type: str | None = None,
    fetch_owner: bool = False,
) -> bytes:
    """ListBucketResult for ListObjectsV2 (KeyCount counts keys and common prefixes; each
    entry's Owner with `fetch_owner`)."""
    url = encoding_type == "url"
    body = [
        _element("Name", bucket),
        _element("Prefix", _listed(prefix, url)),
        _element("Delimiter", _listed(delimiter, url)),
        _element("MaxKeys", max_keys),
        _element("EncodingType", encoding_type),
        _element("KeyCount", len(entries) + len(common_prefixes)),
        _element("IsTruncated", _bool(truncated)),
        _element("ContinuationToken", continuation_token),
        _element("NextContinuationToken", next_continuation_token if truncated else None),
        _element(
            "StartAfter",
            _listed(start_after, url),
        ),
        *_contents(entries, url, fetch_owner),
        *_prefixes(common_prefixes, url),
    ]
    return _document("ListBucketResult", body)


def list_bucket_result(
    *,
    bucket: str,
    prefix: str,
    delimiter: str | None,
    max_keys: int,
    marker: str,
    entries: Sequence[ListEntry],
    common_prefixes: Sequence[str],
    truncated: bool,
    next_marker: str | None = None,
    encoding_type: str | None = None,
) -> bytes:
    """ListBucketResult for ListObjects (version 1, marker-based)."""
    url = encoding_type == "url"
    body = [
        _element("Name", bucket),
        _element("Prefix", _listed(prefix, url)),
        _element("Marker", _listed(marker, url)),
        _element(
            "NextMarker",
            _listed(next_marker, url),
        ),
        _element("MaxKeys", max_keys),
        _element("Delimiter", _listed(delimiter, url)),
        _element("EncodingType", encoding_type),
        _element("IsTruncated", _bool(truncated)),
        *_contents(entries, url, owner=True),  # version 1 always names the owner
        *_prefixes(common_prefixes, url),
    ]
    return _document("ListBucketResult", body)


def initiate_multipart_upload_result(bucket: str, key: str, upload_id: str) -> bytes:
    return _document(
        "InitiateMultipartUploadResult",
        [_element("Bucket", bucket), _element("Key", key), _element("UploadId", upload_id)],
    )


def checksum_elements(algorithm: str | None, value: str | None, kind: str | None) -> list[str]:
    """``<ChecksumCRC32>...</ChecksumCRC32><ChecksumType>...</ChecksumType>`` (none for
    None)."""
    if algorithm is None or value is None:
        return []
    name = next(field for field, known in _CHECKSUM_FIELDS.items() if known == algorithm)
    return [_element(name, value), _element("ChecksumType", kind)]


def complete_multipart_upload_result(
    location: str, bucket: str, key: str, etag: str, checksum: list[str] | None = None
) -> bytes:
    return _document(
        "CompleteMultipartUploadResult",
        [
            _element("Location", location),
            _element("Bucket", bucket),
            _element("Key", key),
            _element("ETag", etag),
            *(checksum or []),
        ],
    )


@dataclass(frozen=True)
class ListedPart:
    part_number: int
    last_modified: datetime
    etag: str  # quoted
    size: int


def list_parts_result(
    *,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Sequence[ListedPart],
    max_parts: int,
    part_number_marker: int = 0,
    next_part_number_marker: int | None = None,
    truncated: bool = False,
) -> bytes:
    body = [
        _element("Bucket", bucket),
        _element("Key", key),
        _element("UploadId", upload_id),
        _element("PartNumberMarker", part_number_marker),
        _element("NextPartNumberMarker", next_part_number_marker),
        _element("MaxParts", max_parts),
        _element("IsTruncated", _bool(truncated)),
        _element("StorageClass", "STANDARD"),
    ]
    body += [
        f"<Part>{_element('PartNumber', part.part_number)}"
        f"{_element('LastModified', s3_time(part.last_modified))}"
        f"{_element('ETag', part.etag)}{_element('Size', part.size)}</Part>"
        for part in parts
    ]
    return _document("ListPartsResult", body)


@dataclass(frozen=True)
class DeleteError:
    key: str
    code: str
    message: str


def delete_result(deleted: Iterable[str], failed: Iterable[DeleteError], quiet: bool) -> bytes:
    """DeleteResult: every deleted key (none when quiet) and every failure."""
    body = [] if quiet else [f"<Deleted>{_element('Key', key)}</Deleted>" for key in deleted]
    body += [
        f"<Error>{_element('Key', e.key)}{_element('Code', e.code)}"
        f"{_element('Message', e.message)}</Error>"
        for e in failed
    ]
    return _document("DeleteResult", body)


def copy_object_result(etag: str, last_modified: datetime) -> bytes:
    return _document(
        "CopyObjectResult",
        [_element("LastModified", s3_time(last_modified)), _element("ETag", etag)],
    )


def post_response(location: str, bucket: str, key: str, etag: str) -> bytes:
    """The body of a presigned POST answered with success_action_status 201."""
    return _document(
        "PostResponse",
        [
            _element("Location", location),
            _element("Bucket", bucket),
            _element("Key", key),
            _element("ETag", etag),
        ],
        namespace=False,
    )


def list_all_my_buckets_result(bucket: str, created: datetime) -> bytes:
    """ListBuckets: the one bucket r2gate serves."""
    return _document(
        "ListAllMyBucketsResult",
        [
            _owner(),
            f"<Buckets><Bucket>{_element('Name', bucket)}"
            f"{_element('CreationDate', s3_time(created))}</Bucket></Buckets>",
        ],
    )


_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def access_control_policy(public: bool) -> bytes:
    """GetObjectAcl / GetBucketAcl: the owner has full control; everyone may read when r2gate
    serves the key publicly."""
    owner = f"{_element('ID', OWNER_ID)}{_element('DisplayName', OWNER_ID)}"
    grants = [
        '<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:type="CanonicalUser">{owner}</Grantee>'
        "<Permission>FULL_CONTROL</Permission></Grant>"
    ]
    if public:
        grants.append(
            '<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:type="Group">{_element("URI", _ALL_USERS)}</Grantee>'
            "<Permission>READ</Permission></Grant>"
        )
    return _document(
        "AccessControlPolicy",
        [f"<Owner>{owner}</Owner>", f"<AccessControlList>{''.join(grants)}</AccessControlList>"],
    )


@dataclass(frozen=True)
class ListedUpload:
    key: str
    upload_id: str
    initiated: datetime
    checksum_algorithm: str | None = None


def list_multipart_uploads_result(
    *,
    bucket: str,
    prefix: str,
    delimiter: str | None,
    key_marker: str,
    upload_id_marker: str,
    max_uploads: int,
    uploads: Sequence[ListedUpload],
    common_prefixes: Sequence[str],
    truncated: bool,
    next_key_marker: str | None = None,
    next_upload_id_marker: str | None = None,
    encoding_type: str | None = None,
) -> bytes:
    """ListMultipartUploadsResult."""
    url = encoding_type == "url"
    body = [
        _element("Bucket", bucket),
        _element("KeyMarker", _listed(key_marker, url)),
        _element("UploadIdMarker", upload_id_marker),
        _element("NextKeyMarker", _listed(next_key_marker, url) if truncated else None),
        _element("NextUploadIdMarker", next_upload_id_marker if truncated else None),
        _element("Prefix", _listed(prefix, url)),
        _element("Delimiter", _listed(delimiter, url)),
        _element("MaxUploads", max_uploads),
        _element("EncodingType", encoding_type),
        _element("IsTruncated", _bool(truncated)),
    ]
    body += [
        f"<Upload>{_element('Key', _listed(upload.key, url))}"
        f"{_element('UploadId', upload.upload_id)}"
        f"<Initiator>{_element('ID', OWNER_ID)}{_element('DisplayName', OWNER_ID)}</Initiator>"
        f"{_owner()}{_element('StorageClass', 'STANDARD')}"
        f"{_element('Initiated', s3_time(upload.initiated))}"
        f"{_element('ChecksumAlgorithm', (upload.checksum_algorithm or '').upper() or None)}"
        "</Upload>"
        for upload in uploads
    ]
    body += list(_prefixes(common_prefixes, url))
    return _document("ListMultipartUploadsResult", body)


def copy_part_result(etag: str, last_modified: datetime) -> bytes:
    """UploadPartCopy's CopyPartResult."""
    return _document(
        "CopyPartResult",
        [_element("LastModified", s3_time(last_modified)), _element("ETag", etag)],
    )


@dataclass(frozen=True)
class AttributePart:
    part_number: int
    size: int
    checksum: tuple[str, str] | None = None  # (algorithm, base64)


def object_attributes_result(
    *,
    wanted: frozenset[str],
    etag: str,
    size: int,
    checksum: tuple[str, str, str] | None,  # (algorithm, value, type)
    parts: Sequence[AttributePart] | None,
    max_parts: int,
    part_number_marker: int,
) -> bytes:
    """GetObjectAttributesResponse with the attributes asked for (ETag unquoted, as S3)."""
    body: list[str] = []
    if "ETag" in wanted:
        body.append(_element("ETag", etag.strip('"')))
    if "Checksum" in wanted and checksum is not None:
        body.append(f"<Checksum>{''.join(checksum_elements(*checksum))}</Checksum>")
    if "ObjectParts" in wanted and parts is not None:
        shown = [p for p in parts if p.part_number > part_number_marker][:max_parts]
        more = len([p for p in parts if p.part_number > part_number_marker]) > max_parts
        items = "".join(
            f"<Part>{_element('PartNumber', p.part_number)}{_element('Size', p.size)}"
            + (
                "".join(checksum_elements(p.checksum[0], p.checksum[1], None)[:1])
                if p.checksum
                else ""
            )
            + "</Part>"
            for p in shown
        )
        body.append(
            f"<ObjectParts>{_element('PartsCount', len(parts))}"
            f"{_element('PartNumberMarker', part_number_marker)}"
            f"{_element('NextPartNumberMarker', shown[-1].part_number if more and shown else None)}"
            f"{_element('MaxParts', max_parts)}{_element('IsTruncated', _bool(more))}"
            f"{items}</ObjectParts>"
        )
    if "StorageClass" in wanted:
        body.append(_element("StorageClass", "STANDARD"))
    if "ObjectSize" in wanted:
        body.append(_element("ObjectSize", size))
    return _document("GetObjectAttributesResponse", body)


def location_constraint(region: str | None) -> bytes:
    """GetBucketLocation: empty for us-east-1, as S3 answers."""
    return _document("LocationConstraint", [escape(region or "")])


# --- request bodies ------------------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9._-]*"
_TOKEN = re.compile(
    r"(?P<decl><\?xml(?:\s+[A-Za-z]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*\?>)"
    rf"|(?P<start><(?P<sname>{_NAME})(?P<attrs>(?:\s+{_NAME}(?::{_NAME})?\s*=\s*(?:\"[^\"<&]*\"|'[^'<&]*'))*)\s*(?P<empty>/?)>)"
    rf"|(?P<end></(?P<ename>{_NAME})\s*>)"
    r"|(?P<text>[^<]+)"
)
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ATTRIBUTE = re.compile(rf"({_NAME}(?::{_NAME})?)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_XML_CHAR = re.compile("[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def _unescape(text: str) -> str:
    if "&" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return _ENTITIES[match.group(1)]
        code = int(match.group(2)) if match.group(2) else int(match.group(3), 16)
        char = chr(code) if code <= 0x10FFFF else ""
        if not char or not _XML_CHAR.fullmatch(char):
            raise MalformedXML("A character reference is not an XML character.")
        return char

    result = _REFERENCE.sub(replace, text)
    if "&" in _REFERENCE.sub("", text):
        raise MalformedXML("Only the predefined entities and character references are allowed.")
    return result


def _events(body: bytes, limit: int) -> Iterator[tuple[str, str]]:
    """("start", name) / ("end", name) / ("text", text), flat, for a bounded document."""
    if len(body) > limit:
        raise MalformedXML(f"The XML body exceeds {limit} bytes.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedXML("The XML body is not UTF-8.") from None
    text = text.removeprefix("\ufeff")
    if not _XML_CHAR.fullmatch(text):
        raise MalformedXML("The XML body contains characters XML does not allow.")
    position, seen_root = 0, False
    stack: list[str] = []
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise MalformedXML("The XML body has markup other than elements and text.")
        if match.group("decl"):
            if position != 0:
                raise MalformedXML("The XML declaration must come first.")
        elif match.group("start"):
            name = match.group("sname")
            if not stack and seen_root:
                raise MalformedXML("The XML body has more than one root element.")
            for attribute in _ATTRIBUTE.finditer(match.group("attrs")):
                if attribute.group(1) != "xmlns":
                    raise MalformedXML("Elements may carry only the xmlns attribute.")
            if len(stack) >= MAX_DEPTH:
                raise MalformedXML("The XML body is nested too deeply.")
            seen_root = True
            yield "start", name
            if match.group("empty"):
                yield "end", name
            else:
                stack.append(name)
        elif match.group("end"):
            if not stack or stack.pop() != match.group("ename"):
                raise MalformedXML("The XML body's end tags do not match.")
            yield "end", match.group("ename")
        else:
            raw = match.group("text")
            if stack:
                yield "text", _unescape(raw)
            elif raw.strip():
                raise MalformedXML("Text outside the root element.")
        position = match.end()
    if stack or not seen_root:
        raise MalformedXML("The XML body is incomplete.")


def _tree(body: bytes, limit: int) -> tuple[str, list]:
    """A shallow tree: (root name, [(child name, [(grandchild, text)] or text)]).

    Iterative; the depth is at most MAX_DEPTH."""
    stack: list[tuple[str, list]] = []
    root: tuple[str, list] | None = None
    for kind, value in _events(body, limit):
        if kind == "start":
            node: tuple[str, list] = (value, [])
            if stack:
                stack[-1][1].append(node)
            else:
                root = node
            stack.append(node)
        elif kind == "end":
            stack.pop()
        else:
            stack[-1][1].append(value)
    assert root is not None
    return root


def _children(node: tuple[str, list]) -> list[tuple[str, list]]:
    """Element children; whitespace between them is allowed, other text is not."""
    result = []
    for child in node[1]:
        if isinstance(child, str):
            if child.strip():
                raise MalformedXML(f"<{node[0]}> must not contain text.")
        else:
            result.append(child)
    return result


def _text(node: tuple[str, list]) -> str:
    if any(not isinstance(child, str) for child in node[1]):
        raise MalformedXML(f"<{node[0]}> must contain only text.")
    return "".join(node[1])


def _leaves(node: tuple[str, list], allowed: frozenset[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for child in _children(node):
        name = child[0]
        if name not in allowed or name in values:
            raise MalformedXML(f"<{node[0]}> has an unexpected or repeated <{name}>.")
        values[name] = _text(child)
    return values


@dataclass(frozen=True)
class CompletedPart:
    part_number: int
    etag: str  # as sent (usually quoted)
    checksums: Mapping[str, str] = field(default_factory=dict)  # algorithm -> base64


_CHECKSUM_FIELDS = {
    "ChecksumCRC32": "crc32",
    "ChecksumCRC32C": "crc32c",
    "ChecksumCRC64NVME": "crc64nvme",
    "ChecksumSHA1": "sha1",
    "ChecksumSHA256": "sha256",
}


_PART_FIELDS = frozenset(
    {
        "PartNumber",
        "ETag",
        "ChecksumCRC32",
        "ChecksumCRC32C",
        "ChecksumCRC64NVME",
        "ChecksumSHA1",
        "ChecksumSHA256",
    }
)


def parse_complete_multipart_upload(body: bytes) -> tuple[CompletedPart, ...]:
    """The parts of a CompleteMultipartUpload body, in ascending order (InvalidPartOrder
    otherwise), 1..10000 of them; MalformedXML for anything else."""
    root = _tree(body, MAX_COMPLETE_BYTES)
    if root[0] != "CompleteMultipartUpload":
        raise MalformedXML("The root element must be <CompleteMultipartUpload>.")
    parts: list[CompletedPart] = []
    for child in _children(root):
        if child[0] != "Part":
            raise MalformedXML("<CompleteMultipartUpload> may contain only <Part>.")
        values = _leaves(child, _PART_FIELDS)
        number, etag = values.get("PartNumber", "").strip(), values.get("ETag", "").strip()
        if not (number.isascii() and number.isdigit() and len(number) <= 5) or not etag:
            raise MalformedXML("Each <Part> needs a <PartNumber> and an <ETag>.")
        if not 1 <= int(number) <= MAX_PARTS:
            raise InvalidArgument(
                f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive",
                ArgumentName="PartNumber",
            )
        if parts and int(number) <= parts[-1].part_number:
            raise InvalidPartOrder()
        checksums = {
            algorithm: values[field].strip()
            for field, algorithm in _CHECKSUM_FIELDS.items()
            if field in values
        }
        parts.append(CompletedPart(int(number), etag, checksums))
    if not parts:
        raise MalformedXML("<CompleteMultipartUpload> must list at least one <Part>.")
    return tuple(parts)


@dataclass(frozen=True)
class DeleteRequest:
    """The entries of a DeleteObjects body: keys in order, and the ETag an entry names (the
    object is deleted only while it has that etag), unquoted."""

    keys: tuple[str, ...]
    quiet: bool
    etags: Mapping[str, str] = field(default_factory=dict)


def parse_delete(body: bytes) -> DeleteRequest:
    """The keys of a DeleteObjects body (1..1000, no VersionId) and its Quiet flag."""
    root = _tree(body, MAX_DELETE_BYTES)
    if root[0] != "Delete":
        raise MalformedXML("The root element must be <Delete>.")
    keys: list[str] = []
    etags: dict[str, str] = {}
    quiet: bool | None = None
    for child in _children(root):
        if child[0] == "Quiet" and quiet is None:
            flag = _text(child).strip().lower()
            if flag not in ("true", "false"):
                raise MalformedXML("<Quiet> must be true or false.")
            quiet = flag == "true"
        elif child[0] == "Object":
            values = _leaves(child, frozenset({"Key", "VersionId", "ETag"}))
            if "Key" not in values:
                raise MalformedXML("Each <Object> needs a <Key>.")
            if "VersionId" in values:
                raise InvalidArgument(
                    "Versioned deletes are not supported.", ArgumentName="VersionId"
                )
            keys.append(values["Key"])
            if "ETag" in values:
                etag = values["ETag"].strip().strip('"')
                if not etag or etags.get(values["Key"], etag) != etag:
                    raise MalformedXML("An <ETag> is empty, or differs for the same <Key>.")
                etags[values["Key"]] = etag
        else:
            raise MalformedXML("<Delete> may contain only <Object> and <Quiet>.")
    if not keys or len(keys) > MAX_DELETE_OBJECTS:
        raise MalformedXML(f"<Delete> must list 1 to {MAX_DELETE_OBJECTS} objects.")
    return DeleteRequest(tuple(keys), bool(quiet), etags)
