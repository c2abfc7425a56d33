"""An object's custom metadata as the ``x-amz-meta-*`` headers of an S3 answer.

Whatever an object holds, the headers are valid HTTP, so an answer is never refused by the
runtime (a 500): a value of printable ASCII is sent as it is; any other value (non-ASCII
text, or a control character stored before r2gate checked metadata) is encoded as RFC 2047
``=?UTF-8?B?<base64>?=``, as S3 sends non-ASCII metadata. A name that is not an HTTP token
cannot be a header name: such entries are left out and counted in ``x-amz-missing-meta``,
S3's header for metadata its REST API cannot express.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

__all__ = ["metadata_headers"]

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PLAIN = re.compile(r"[\x20-\x7e]*")
MAX_NAME_CHARS = 256


def _value(value: str) -> str:
    if _PLAIN.fullmatch(value) and value == value.strip(" "):
        return value
    encoded = base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")
    return f"=?UTF-8?B?{encoded}?="


def metadata_headers(metadata: Mapping[str, str]) -> dict[str, str]:
    """``x-amz-meta-<name>`` headers for `metadata`, and ``x-amz-missing-meta`` when some
    entries cannot be headers."""
    headers: dict[str, str] = {}
    missing = 0
    for name, value in metadata.items():
        if len(name) > MAX_NAME_CHARS or _TOKEN.fullmatch(name) is None:
            missing += 1
            continue
        headers[f"x-amz-meta-{name}"] = _value(str(value))
    if missing:
        headers["x-amz-missing-meta"] = str(missing)
    return headers
