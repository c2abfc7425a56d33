"""A request's query string, parsed once with bounds: what every r2gate route reads.

``application/x-www-form-urlencoded`` pairs (``+`` is a space, as browsers and ``urlencode``
write it), names and values percent-decoded strictly to UTF-8; empty fields (``a&&b``) are
skipped and a bare name (``?uploads``) has the value "". Bounds, each a 400
``invalid_request`` before any work: at most `MAX_QUERY_CHARS` characters and
`MAX_QUERY_FIELDS` fields. The routes then read decoded names, so ``?%74oken=`` is the
``token`` parameter everywhere: for authentication and for redaction alike.

`Query.redacted` is the only form of a query that r2gate logs: the values of credential
parameters (`SECRET_NAMES`, compared after decoding and case-insensitively) are replaced.
(The S3 routes parse their own queries by SigV4's rules: r2gate.s3.request.)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from .errors import ApiError

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_FIELDS",
    "SECRET_NAMES",
    "Query",
    "as_query",
    "parse_query",
    "request_line",
]

MAX_QUERY_CHARS = 12 * 1024  # a 4 KB token and a long percent-encoded name or prefix fit
MAX_QUERY_FIELDS = 64
REDACTED = "<redacted>"
# Every spelling of a credential a URL may carry: r2gate's tokens, SigV4's presigned
# parameters, SigV2's (``Signature``, ``AWSAccessKeyId``), and common bearer parameters.
SECRET_NAMES = frozenset(
    {
        "token",
        "access_token",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "signature",
        "awsaccesskeyid",
        "sig",
        "api_key",
        "apikey",
    }
)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


@dataclass(frozen=True)
class Query:
    """Decoded (name, value) pairs in order; ``?uploads`` is ("uploads", "")."""

    pairs: tuple[tuple[str, str], ...] = ()
    raw: str = ""  # as it arrived (SigV4 signs the raw query)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.pairs)

    def __contains__(self, name: object) -> bool:
        return any(name == key for key, _ in self.pairs)

    def get(self, name: str) -> str | None:
        """The value of the first `name` parameter, or None."""
        return next((value for key, value in self.pairs if key == name), None)

    def single(self, name: str) -> str | None:
        """The value of `name`, or None; 400 invalid_request when it is given twice."""
        values = [value for key, value in self.pairs if key == name]
        if len(values) > 1:
            raise _invalid(f"The query parameter '{name}' is given more than once.")
        return values[0] if values else None

    def redacted(self) -> str:
        """The query re-encoded for a log line, credential values replaced, also where a
        value hides more parameters behind ";" (``?a=1;token=...``)."""
        return urlencode(
            [
                (
                    _redacted_params(k),
                    REDACTED if k.lower() in SECRET_NAMES else _redacted_params(v),
                )
                for k, v in self.pairs
            ],
            safe="<>/;=",
        )


def _redacted_params(text: str) -> str:
    """`text` with the value of every ``;name=value`` segment whose name is a credential's
    replaced (path parameters, ";"-separated queries)."""
    if ";" not in text:
        return text
    first, *rest = text.split(";")
    for index, segment in enumerate(rest):
        name, equals, value = segment.partition("=")
        if equals and name.strip().lower() in SECRET_NAMES:
            _, slash, after = value.partition("/")  # a path parameter ends its segment
            rest[index] = f"{name}={REDACTED}{slash}{after}"
    return ";".join([first, *rest])


def parse_query(raw: str) -> Query:
    """Parse a raw query string (without "?"): 400 invalid_request when it is too long, has too
    many fields, or is not percent-encoded UTF-8."""
    if not raw:
        return Query()
    if len(raw) > MAX_QUERY_CHARS:
        raise _invalid(f"The query string exceeds {MAX_QUERY_CHARS} characters.")
    try:
        pairs = parse_qsl(
            raw, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS
        )
    except UnicodeDecodeError:
        raise _invalid("The query string is not percent-encoded UTF-8.") from None
    except ValueError:  # max_num_fields
        raise _invalid(f"The query string has more than {MAX_QUERY_FIELDS} fields.") from None
    return Query(tuple(pairs), raw)


def as_query(query: Query | str) -> Query:
    """`query` itself, or the raw query string parsed (`parse_query`)."""
    return query if isinstance(query, Query) else parse_query(query)


def request_line(method: str, path: str, query: Query | None) -> str:
    """``METHOD /path?query`` for a log line, with credentials redacted (`Query.redacted`);
    without the query when it did not parse."""
    shown = query.redacted() if query is not None else ""
    path = _redacted_params(path)
    return f"{method} {path}?{shown}" if shown else f"{method} {path}"
