"""A sans-I/O parser for the head of a presigned-POST ``multipart/form-data`` body.

A browser's S3 form POST is the policy fields, then the part named ``file``, then the
closing delimiter. Only what precedes the file's bytes is parsed here: the handler feeds
bytes (at most `FormPrefixParser.room`, so a bounded amount ever enters Python) until
`feed` returns a `FormPrefix`: the fields in order, the file part's filename and
Content-Type, and where the file data starts. The file's bytes then stream from JS into
R2 with their exact length::

    file_length = Content-Length - prefix.data_start - len(prefix.closing)

and the last ``len(prefix.closing)`` bytes of the body must be exactly
``\\r\\n--<boundary>--\\r\\n`` (`FormPrefix.check_closing`); when they are not, the R2
write is aborted, so nothing is stored from a body that disagrees.

The grammar is RFC 7578 / RFC 2046, strictly: the body starts with ``--<boundary>CRLF``
(no preamble); each part has CRLF-terminated headers, only ``Content-Disposition:
form-data; name="..."[; filename="..."]`` (required) and ``Content-Type`` (optional);
quoted strings are read as browsers write them (``"`` is sent as %22, no backslash
escapes); values are UTF-8. The file part is the one named ``file``; no other part may
carry a filename; every field must come before it (fields after the file are never seen,
so a form whose required fields follow the file fails as missing them).

The boundary comes from the request's Content-Type, parsed at wiring time by
``r2gate.mediatype``; it is only checked against RFC 2046's ``bchars`` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MalformedPOSTRequest, MaxPostPreDataLengthExceededError

__all__ = [
    "FILE_FIELD",
    "MAX_FIELDS",
    "MAX_PREFIX_BYTES",
    "FormField",
    "FormPrefix",
    "FormPrefixParser",
]

FILE_FIELD = "file"
MAX_PREFIX_BYTES = 64 * 1024
MAX_FIELDS = 64
MAX_FILENAME_BYTES = 1024
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_FIELD_NAME = re.compile(_TOKEN)
_PARAM = re.compile(rb";[ \t]*(" + _TOKEN + rb')=(?:"([^"\r\n]*)"|(' + _TOKEN + rb"))[ \t]*")
_DISPOSITION_TYPE = re.compile(rb"form-data[ \t]*", re.IGNORECASE)
_CONTENT_TYPE = re.compile(rb"[\x20-\x7e]{1,256}")


@dataclass(frozen=True)
class FormField:
    name: str
    value: str


@dataclass(frozen=True)
class FormPrefix:
    """Everything before the file's first byte."""

    fields: tuple[FormField, ...]
    filename: str  # "" when the file part has no filename (text content)
    file_content_type: str | None
    data_start: int  # offset of the file's first byte in the whole body
    data_offset_in_feed: int  # ... and in the bytes given to the `feed` that returned this
    boundary: bytes

    @property
    def closing(self) -> bytes:
        """The bytes after the file: CRLF, the close delimiter, CRLF."""
        return b"\r\n--" + self.boundary + b"--\r\n"

    @property
    def delimiter(self) -> bytes:
        """What may never occur inside the file's bytes (RFC 2046): another part starts."""
        return b"\r\n--" + self.boundary

    def file_length(self, content_length: int) -> int:
        """The file's exact length for a body of `content_length` bytes."""
        length = content_length - self.data_start - len(self.closing)
        if length < 0:
            raise MalformedPOSTRequest("The body is shorter than its fields and closing delimiter.")
        return length

    def check_closing(self, tail: bytes) -> None:
        """The body's last len(closing) bytes must be the closing delimiter."""
        if bytes(tail) != self.closing:
            raise MalformedPOSTRequest(
                "The body does not end with the closing boundary right after the file."
            )


def _disposition(value: bytes) -> dict[str, str]:
    match = _DISPOSITION_TYPE.match(value)
    if match is None:
        raise MalformedPOSTRequest("Each part must be Content-Disposition: form-data.")
    params: dict[str, str] = {}
    position = match.end()
    while position < len(value):
        param = _PARAM.match(value, position)
        if param is None:
            raise MalformedPOSTRequest("A Content-Disposition parameter is malformed.")
        name = param.group(1).decode("ascii").lower()
        raw = param.group(2) if param.group(2) is not None else param.group(3)
        if name not in ("name", "filename") or name in params:
            raise MalformedPOSTRequest(
                "Content-Disposition takes one name and at most one filename parameter."
            )
        try:
            params[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedPOSTRequest("A form field name is not UTF-8.") from None
        position = param.end()
    if "name" not in params or not params["name"]:
        raise MalformedPOSTRequest("Each part needs a Content-Disposition name.")
    return params


def _header_line(line: bytes) -> tuple[bytes, bytes]:
    """``field-name ":" OWS field-value OWS`` (RFC 9112 5): the lower-case name and the
    value, read in one pass (a bare CR or LF anywhere is malformed)."""
    name = _FIELD_NAME.match(line)
    if name is None or line[name.end() : name.end() + 1] != b":":
        raise MalformedPOSTRequest("A part header line is malformed.")
    value = line[name.end() + 1 :].strip(b" \t")
    if b"\r" in value or b"\n" in value:
        raise MalformedPOSTRequest("A part header line holds a bare CR or LF.")
    return name.group().lower(), value


def _part_headers(block: bytes) -> tuple[dict[str, str], str | None]:
    disposition: dict[str, str] | None = None
    content_type: str | None = None
    for line in block.split(b"\r\n"):
        name, value = _header_line(line)
        if name == b"content-disposition" and disposition is None:
            disposition = _disposition(value)
        elif name == b"content-type" and content_type is None:
            if not _CONTENT_TYPE.fullmatch(value):
                raise MalformedPOSTRequest("A part's Content-Type is malformed.")
            content_type = value.decode("ascii")
        else:
            raise MalformedPOSTRequest(
                "Parts may carry only one Content-Disposition and one Content-Type."
            )
    if disposition is None:
        raise MalformedPOSTRequest("Each part needs a Content-Disposition header.")
    return disposition, content_type


class FormPrefixParser:
    """Feed the body's first bytes until `feed` returns the `FormPrefix`."""

    def __init__(self, boundary: str, max_bytes: int = MAX_PREFIX_BYTES) -> None:
        if not isinstance(boundary, str) or not _BOUNDARY.fullmatch(boundary):
            raise MalformedPOSTRequest("The multipart boundary is not valid (RFC 2046).")
        self._boundary = boundary.encode("ascii")
        self._delimiter = b"\r\n--" + self._boundary
        self._max = max_bytes
        self._buffer = bytearray()
        self._position = 0  # where the next part (its headers) starts; 0: before the first
        self._fields: list[FormField] = []
        self._field: tuple[str, int] | None = None  # the field whose value is being read
        self._scan = 0  # where the next search may start (nothing before it can match)
        self._result: FormPrefix | None = None

    @property
    def room(self) -> int:
        """How many more bytes `feed` accepts (0 once the prefix is complete)."""
        return 0 if self._result is not None else self._max - len(self._buffer)

    def feed(self, data: bytes) -> FormPrefix | None:
        """Add bytes; the `FormPrefix` once the file's headers are complete, else None.
        MaxPostPreDataLengthExceededError past `max_bytes`, MalformedPOSTRequest on bad
        syntax."""
        if self._result is not None:
            raise ValueError("the form prefix is already complete")
        if len(data) > self.room:
            raise MaxPostPreDataLengthExceededError()
        fed_before = len(self._buffer)
        self._buffer += data
        result = self._parse()
        if result is None and len(self._buffer) >= self._max:
            raise MaxPostPreDataLengthExceededError()
        if result is not None:
            result = FormPrefix(
                result.fields,
                result.filename,
                result.file_content_type,
                result.data_start,
                result.data_start - fed_before,
                self._boundary,
            )
            self._result = result
        return result

    def _parse(self) -> FormPrefix | None:
        buffer = self._buffer
        if self._position == 0:
            opening = b"--" + self._boundary + b"\r\n"
            if not (buffer.startswith(opening) or opening.startswith(bytes(buffer))):
                raise MalformedPOSTRequest("The body must start with the boundary.")
            if len(buffer) < len(opening):
                return None
            self._position = self._scan = len(opening)
        while True:
            if self._field is None:
                end_of_headers = buffer.find(b"\r\n\r\n", self._scan)
                if end_of_headers == -1:
                    self._scan = max(self._position, len(buffer) - 3)
                    return None
                disposition, content_type = _part_headers(
                    bytes(buffer[self._position : end_of_headers])
                )
                data_start = end_of_headers + 4
                name = disposition["name"]
                if name.lower() == FILE_FIELD:
                    filename = disposition.get("filename", "")
                    if len(filename.encode("utf-8")) > MAX_FILENAME_BYTES:
                        raise MalformedPOSTRequest("The filename is too long.")
                    return FormPrefix(
                        tuple(self._fields), filename, content_type, data_start, 0, b""
                    )
                if "filename" in disposition:
                    raise MalformedPOSTRequest(
                        f"Only the '{FILE_FIELD}' part may carry a filename (field {name!r})."
                    )
                self._field = (name, data_start)
                self._scan = data_start
            name, data_start = self._field
            end_of_value = buffer.find(self._delimiter, self._scan)
            after_start = end_of_value + len(self._delimiter)
            if end_of_value == -1 or len(buffer) < after_start + 2:
                if end_of_value == -1:
                    self._scan = max(data_start, len(buffer) - len(self._delimiter) + 1)
                return None
            after = bytes(buffer[after_start : after_start + 2])
            if after == b"--":
                raise MalformedPOSTRequest(f"The form has no '{FILE_FIELD}' part.")
            if after != b"\r\n":
                raise MalformedPOSTRequest("A boundary line is malformed.")
            try:
                value = bytes(buffer[data_start:end_of_value]).decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedPOSTRequest(f"The form field {name!r} is not UTF-8.") from None
            self._fields.append(FormField(name, value))
            if len(self._fields) > MAX_FIELDS:
                raise MalformedPOSTRequest(f"The form has more than {MAX_FIELDS} fields.")
            self._field = None
            self._position = self._scan = after_start + 2
