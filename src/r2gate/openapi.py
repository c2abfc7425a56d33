"""The OpenAPI 3.1 document of /api/v1 and of ``GET``/``PUT``/``DELETE /{key}``.

Served at ``GET /api/v1/openapi.json``, built for the server's settings (its single-PUT limit
and token lifetime). The schemas state the real constraints, so that a request valid by the
document is accepted and one the document refuses is refused: the request members the parsers
accept (`api_requests.UPLOAD_FIELDS`, ...), the key rules as one pattern (`keys.KEY_PATTERN`),
media types and patterns by RFC 9110's grammar, sizes and limits. What JSON Schema cannot say
(a key's 1024 bytes of UTF-8, metadata's 8192 bytes) is in the descriptions. The HTTP
tests validate real responses against the response schemas, and schemathesis checks the rest
(tests/http/test_schemathesis.py).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from . import __version__
from .api_requests import MAX_BODY_BYTES, MAX_FILENAME_CHARS, MAX_PREFIX_CHARS
from .grants import MAX_OBJECT_BYTES
from .keys import END, KEY_PATTERN, MAX_KEY_BYTES, PREFIX_PATTERN
from .listing import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_DELIMITER_CHARS, MAX_LIMIT
from .mediatype import MAX_RANGES
from .read_plan import MAX_DOWNLOAD_NAME_CHARS
from .settings import DEFAULT_MAX_PUT_BYTES, Settings
from .stored_fields import (
    CACHE_CONTROL_SYNTAX,
    MAX_HEADER_CHARS,
    MAX_METADATA_BYTES,
    MAX_METADATA_ENTRIES,
    METADATA_NAME_SYNTAX,
    METADATA_VALUE_SYNTAX,
)
from .tokens import DEFAULT_MAX_LIFETIME

__all__ = ["openapi_document"]

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ref("Error"))}


def _static_asset(operation: str, summary: str, media_type: str, what: str) -> dict[str, Any]:
    """A file served by Workers Static Assets: no authentication, GET (and HEAD) only."""
    content = {media_type: {"schema": _STRING}}
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "security": [],
            "responses": {"200": {"description": what, "content": content}},
        }
    }


_STRING = {"type": "string"}
_BINARY = {"type": "string", "format": "binary"}
_TEXT = "[^\\x00-\\x1f\\x7f-\\x9f]"  # no control character
_KEY = {
    "type": "string",
    "pattern": KEY_PATTERN,
    "maxLength": MAX_KEY_BYTES,
    "description": f"An object key: at most {MAX_KEY_BYTES} bytes of UTF-8; '/'-separated "
    "segments, none empty, '.' or '..'; no control, format (bidi, zero-width) or invisible "
    "character, no backslash; not 'api' or under 'api/'.",
}
_TCHAR_NO_STAR = "[!#$%&'+.^_`|~0-9A-Za-z-]"  # an RFC 9110 token without '*'
_TCHAR = "[!#$%&'*+.^_`|~0-9A-Za-z-]"
_QUOTED = (
    '"(?:[\\t \\x21\\x23-\\x2b\\x2d-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x2b\\x2d-\\x7e]){0,200}"'
)
_PARAMETER = f"(?:[ \\t]*;[ \\t]*{_TCHAR}{{1,64}}=(?:{_TCHAR}{{1,200}}|{_QUOTED}))?"
_NAME = f"{_TCHAR_NO_STAR}{{1,127}}"
_MEDIA_TYPE = {
    "type": "string",
    "pattern": f"^{_NAME}/{_NAME}{_PARAMETER}{END}",
    "description": "One RFC 9110 media type (type/subtype, optional parameters; no comma, no "
    "list), such as model/gltf-binary or text/plain; charset=utf-8.",
}
_MEDIA_RANGE = {
    "type": "string",
    "pattern": f"^(?:\\*/\\*|{_NAME}/(?:\\*|{_NAME})){_PARAMETER}{END}",
    "description": "A media type or pattern: type/subtype, type/* or */*. HTML, XHTML, SVG, "
    "XML and JavaScript are allowed only when named exactly.",
}
_METADATA = {
    "type": "object",
    "propertyNames": {"pattern": f"^{METADATA_NAME_SYNTAX}{END}"},
    "additionalProperties": {"type": "string", "pattern": f"^{METADATA_VALUE_SYNTAX}{END}"},
    "maxProperties": MAX_METADATA_ENTRIES,
    "description": "Custom metadata: names are HTTP tokens (they travel as x-amz-meta-* "
    f"headers), values text without control characters; at most {MAX_METADATA_BYTES} bytes "
    "of names and values together.",
}
_CACHE_CONTROL = {
    "type": "string",
    "pattern": f"^{CACHE_CONTROL_SYNTAX}{END}",
    "maxLength": MAX_HEADER_CHARS,
    "description": "Cache-Control directives (RFC 9111), separated by ','.",
}
_SHA256 = {"type": "string", "pattern": f"^[0-9a-fA-F]{{64}}{END}"}
_TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z" + END,
}
_EXPIRES_IN = {
    "type": "integer",
    "minimum": 1,
    "description": "Token lifetime in seconds (default min(900, TOKEN_MAX_LIFETIME)); at most "
    "TOKEN_MAX_LIFETIME (the maximum below is this server's).",
}

_STORED_OBJECT: dict[str, Any] = {
    "type": "object",
    "required": ["key", "size", "etag", "content_type", "uploaded"],
    "additionalProperties": False,
    "properties": {
        "key": _STRING,
        "size": {"type": "integer", "minimum": 0},
        "etag": {"type": "string", "description": "Unquoted."},
        "content_type": _STRING,
        "uploaded": _TIMESTAMP,
    },
}
_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "description": "Machine-readable error code."},
                    "message": _STRING,
                },
            }
        },
    },
    "UploadRequest": {
        "type": "object",
        "description": "Exactly one of key or filename. Unknown members are refused.",
        "required": ["content_type"],
        "additionalProperties": False,
        "anyOf": [{"required": ["key"]}, {"required": ["filename"]}],
        "dependentSchemas": {
            "key": {
                "properties": {"filename": False, "prefix": False},
                "description": "With key: neither filename nor prefix.",
            }
        },
        "properties": {
            "key": _KEY,
            "filename": {
                "type": "string",
                "pattern": f"^{_TEXT}+{END}",
                "maxLength": MAX_FILENAME_CHARS,
                "description": "Generate the key {prefix}{YYYYMMDD_HHMMSS}_{8 hex}_{filename}.",
            },
            "prefix": {
                "type": "string",
                "pattern": PREFIX_PATTERN,
                "maxLength": MAX_PREFIX_CHARS,
                "description": "With filename: the folder ('' or ending in '/'). Default: the "
                "API key's single scope prefix, else models/, videos/, images/, audio/, "
                "documents/ or other/ by content type.",
            },
            "content_type": {
                "description": "What the upload may carry: a media type or pattern, or a list "
                f"of 1 to {MAX_RANGES} of them (the token's ct).",
                "oneOf": [
                    _MEDIA_RANGE,
                    {"type": "array", "items": _MEDIA_RANGE, "minItems": 1, "maxItems": MAX_RANGES},
                ],
            },
            "max_bytes": {"type": "integer", "minimum": 0},
            "expires_in": _EXPIRES_IN,
            "overwrite": {"type": "boolean", "default": False},
            "sha256": _SHA256,
            "metadata": _METADATA,
            "cache_control": _CACHE_CONTROL,
            "multipart": {
                "type": "boolean",
                "default": False,
                "description": "Also mint an mpu token for the same key (response member "
                "multipart); max_bytes then bounds the whole object (default 5 TiB) and "
                "sha256 is refused.",
            },
            "sub": {
                "type": "string",
                "pattern": f"^{_TEXT}+{END}",
                "maxLength": MAX_FILENAME_CHARS,
                "description": "The token's subject (its sub claim): whom the backend mints it "
                "for, named in the upload's event (docs/events.md).",
            },
        },
    },
    "UploadResponse": {
        "type": "object",
        "required": [
            "upload_url",
            "method",
            "headers",
            "key",
            "token",
            "expires_at",
            "public_url",
            "max_bytes",
            "page_url",
            "multipart",
        ],
        "additionalProperties": False,
        "properties": {
            "upload_url": {"type": "string", "description": "PUT here; carries ?token=."},
            "method": {"const": "PUT"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "key": _STRING,
            "token": _STRING,
            "expires_at": _TIMESTAMP,
            "public_url": {"type": ["string", "null"], "description": "null: private prefix."},
            "max_bytes": {
                "type": "integer",
                "minimum": 0,
                "description": "The largest single PUT to upload_url.",
            },
            "page_url": {
                "type": "string",
                "description": "The browser uploader, /api/v1/uploader#token=...[&mpu=...]: "
                "the tokens ride in the URL fragment, which browsers never send to a server.",
            },
            "multipart": {
                "oneOf": [{"type": "null"}, _ref("MultipartGrant")],
                "description": "null unless the request had multipart: true.",
            },
        },
    },
    "MultipartGrant": {
        "type": "object",
        "required": ["token", "url", "max_bytes", "tus_endpoint"],
        "additionalProperties": False,
        "properties": {
            "token": {"type": "string", "description": "An mpu token for the same key."},
            "tus_endpoint": {
                "type": "string",
                "description": "The tus endpoint (/api/v1/tus) where the same token, as "
                "Authorization: Bearer, creates a tus upload of the key (docs/tus.md).",
            },
            "url": {
                "type": "string",
                "description": "POST here (...?uploads&token=) to start the multipart upload.",
            },
            "max_bytes": {
                "type": "integer",
                "minimum": 0,
                "description": "The largest object.",
            },
        },
    },
    "DownloadRequest": {
        "type": "object",
        "required": ["key"],
        "additionalProperties": False,
        "properties": {
            "key": _KEY,
            "expires_in": _EXPIRES_IN,
            "download_name": {
                "type": "string",
                "pattern": f"^{_TEXT}+{END}",
                "maxLength": MAX_FILENAME_CHARS,
            },
        },
    },
    "DownloadResponse": {
        "type": "object",
        "required": ["url", "token", "expires_at", "key"],
        "additionalProperties": False,
        "properties": {
            "url": _STRING,
            "token": _STRING,
            "expires_at": _TIMESTAMP,
            "key": _STRING,
        },
    },
    "StoredObject": _STORED_OBJECT,
    "UploadedObject": {
        **_STORED_OBJECT,
        "properties": {
            **_STORED_OBJECT["properties"],
            "content_type_replaced": {
                "type": "string",
                "description": "The generic type the request sent (octet-stream, curl's form "
                "type), replaced by the key's known type.",
            },
            "note": {"type": "string", "description": "Why the type was replaced."},
        },
    },
    "ObjectList": {
        "type": "object",
        "required": ["objects", "prefixes", "cursor", "truncated"],
        "additionalProperties": False,
        "properties": {
            "objects": {"type": "array", "items": _ref("StoredObject")},
            "prefixes": {"type": "array", "items": _STRING},
            "cursor": {"type": ["string", "null"], "description": "Pass to get the next page."},
            "truncated": {"type": "boolean"},
        },
    },
}

_API_KEY: list[dict[str, list[str]]] = [{"apiKey": []}]
_TOKEN: list[dict[str, list[str]]] = [{"token": []}, {"tokenQuery": []}, {"apiKey": []}]
_COUNTS = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["objects", "bytes"],
        "additionalProperties": False,
        "properties": {
            "objects": {"type": "integer", "minimum": 0},
            "bytes": {"type": "integer", "minimum": 0},
        },
    },
}
_SCHEMAS["Stats"] = {
    "type": "object",
    "required": ["prefixes", "objects", "bytes", "by_prefix", "by_type", "by_owner", "source"],
    "additionalProperties": False,
    "properties": {
        "prefixes": {"type": "array", "items": _STRING},
        "objects": {"type": "integer", "minimum": 0},
        "bytes": {"type": "integer", "minimum": 0},
        "by_prefix": _COUNTS,
        "by_type": _COUNTS,
        "by_owner": _COUNTS,
        "source": {"const": "index"},
    },
}
_ACTOR = {
    "type": "object",
    "required": ["owner", "kind"],
    "properties": {
        "owner": _STRING,
        "kind": {"enum": ["api_key", "s3_key", "token"]},
        "name": _STRING,
        "jti": {"type": ["string", "null"]},
        "sub": {"type": ["string", "null"]},
    },
}
_SCHEMAS["ObjectCreatedEvent"] = {
    "type": "object",
    "required": ["id", "type", "timestamp", "data"],
    "properties": {
        "id": {"type": "string", "description": "evt_<32 hex>: also the webhook-id header."},
        "type": {"const": "object.created"},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "required": ["key", "size", "etag", "content_type", "uploaded", "metadata", "actor"],
            "properties": {
                "key": _STRING,
                "size": {"type": "integer", "minimum": 0},
                "etag": _STRING,
                "content_type": _STRING,
                "uploaded": {"type": "string", "format": "date-time"},
                "metadata": {"type": "object", "additionalProperties": _STRING},
                "metadata_omitted": {"const": True},
                "actor": _ACTOR,
            },
        },
    },
}
_SCHEMAS["ObjectDeletedEvent"] = {
    "type": "object",
    "required": ["id", "type", "timestamp", "data"],
    "properties": {
        "id": _STRING,
        "type": {"const": "object.deleted"},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "required": ["key", "deleted", "actor"],
            "properties": {
                "key": _STRING,
                "deleted": {"type": "string", "format": "date-time"},
                "actor": _ACTOR,
            },
        },
    },
}


def _webhook(operation: str, summary: str, schema: str) -> dict[str, Any]:
    headers = {
        name: {"required": True, "schema": _STRING}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "description": "Signed as Standard Webhooks (docs/events.md): verify "
            "webhook-signature before trusting the body; deduplicate by webhook-id.",
            "parameters": [{"name": n, "in": "header", **h} for n, h in headers.items()],
            "requestBody": {"required": True, "content": _json(_ref(schema))},
            "responses": {
                "2XX": {"description": "Received: the delivery is not sent again."},
                "default": {"description": "Anything else is retried, then dead-lettered."},
            },
        }
    }


_WEBHOOKS = {
    "objectCreated": _webhook(
        "objectCreated", "An object was stored (any write path).", "ObjectCreatedEvent"
    ),
    "objectDeleted": _webhook("objectDeleted", "A key was deleted.", "ObjectDeletedEvent"),
}

_AUTH_ERRORS = {
    "401": _error("auth_required, auth_invalid"),
    "403": _error("key_scope: the API key lacks the operation or the prefix"),
}
_BODY_ERRORS = {
    "400": _error("invalid_json (also nesting deeper than 32), invalid_request, invalid_key"),
    "413": _error(f"body_too_large: the JSON body exceeds {MAX_BODY_BYTES} bytes"),
    "415": _error("unsupported_media_type: the body is not application/json"),
    "501": _error("tokens_disabled: SIGNING_KEYS is not set"),
}
_KEY_PARAMETER = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": _KEY,
    "description": "The object key, percent-encoded; '/' separates segments.",
}

_TOKEN_PARAMETER = {
    "name": "token",
    "in": "query",
    "schema": {"type": "string"},
    "description": "A token (as in upload_url or a download url); Authorization: Bearer works too.",
}
_TOKEN_ERRORS = {
    "401": _error(
        "auth_required, auth_invalid, token_malformed, token_algorithm, token_unknown_kid, "
        "token_signature, token_audience, token_issuer, token_expired, token_not_yet_valid, "
        "token_lifetime, token_too_large, token_unsupported"
    ),
    "403": _error("token_scope (wrong op or key), key_scope"),
}


def _tus_header(name: str, description: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


_TUS_VERSION_HEADER = _tus_header("Tus-Resumable", "1.0.0 (else 412 with Tus-Version).")
_TUS_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "description": "The upload's id, from creation's Location: the capability for it.",
}
_TUS_STATE = {
    "description": "Upload-Offset, Upload-Length (or Upload-Defer-Length: 1), Upload-Expires, "
    "R2gate-Key (the object key the upload becomes), Cache-Control: no-store."
}
_TUS_GONE = _error("upload_not_found: no such upload, or it expired or was terminated")
_TUS_PATHS: dict[str, Any] = {
    "/api/v1/tus": {
        "post": {
            "operationId": "createTusUpload",
            "summary": "tus 1.0.0 creation (docs/tus.md): an API key with write (the key from "
            "Upload-Metadata key, or filename and prefix) or an upload token (an mpu token: "
            "its key). Extensions: creation, creation-with-upload, creation-defer-length, "
            "expiration, termination, checksum (sha1, sha256), concatenation.",
            "security": [*_API_KEY, {"token": []}],
            "parameters": [
                _TUS_VERSION_HEADER,
                _tus_header("Upload-Length", "The upload's size.", required=False),
                _tus_header("Upload-Defer-Length", "1: the size comes later.", required=False),
                _tus_header(
                    "Upload-Metadata",
                    "key, or filename (+ prefix); filetype: base64 values, at most 4096 "
                    "characters and 32 pairs.",
                    required=False,
                ),
                _tus_header("Upload-Concat", "partial, or final;<urls>.", required=False),
            ],
            "requestBody": {
                "required": False,
                "content": {"application/offset+octet-stream": {"schema": _BINARY}},
            },
            "responses": {
                "201": {
                    "description": "Created: Location is the upload's URL. "
                    + _TUS_STATE["description"]
                },
                "400": _error("invalid_upload_length, invalid_upload_metadata, invalid_key, ..."),
                **_AUTH_ERRORS,
                "412": _error("tus_version_unsupported, already_exists"),
                "413": _error("too_large, metadata_too_large"),
                "415": _error("unsupported_media_type"),
            },
        },
    },
    "/api/v1/tus/{id}": {
        "head": {
            "operationId": "headTusUpload",
            "summary": "Where the upload stands.",
            "security": [],
            "parameters": [_TUS_ID, _TUS_VERSION_HEADER],
            "responses": {"200": _TUS_STATE, "404": _TUS_GONE},
        },
        "patch": {
            "operationId": "patchTusUpload",
            "summary": "Bytes at Upload-Offset; the answer's Upload-Offset is the new one.",
            "security": [],
            "parameters": [
                _TUS_ID,
                _TUS_VERSION_HEADER,
                _tus_header("Upload-Offset", "The server's offset (else 409)."),
                _tus_header("Upload-Checksum", "sha1|sha256 <base64> (else 460).", required=False),
            ],
            "requestBody": {
                "required": True,
                "content": {"application/offset+octet-stream": {"schema": _BINARY}},
            },
            "responses": {
                "204": _TUS_STATE,
                "404": _TUS_GONE,
                "409": _error("offset_mismatch"),
                "413": _error("upload_length_exceeded, too_large"),
                "415": _error("unsupported_media_type"),
                "423": _error("upload_locked: another PATCH is running"),
                "460": _error("checksum_mismatch: nothing of the PATCH was kept"),
            },
        },
        "delete": {
            "operationId": "terminateTusUpload",
            "summary": "Termination: the upload and its bytes are gone.",
            "security": [],
            "parameters": [_TUS_ID, _TUS_VERSION_HEADER],
            "responses": {"204": {"description": "Terminated."}, "404": _TUS_GONE},
        },
    },
}

_PATHS: dict[str, Any] = {
    "/api/v1/uploads": {
        "post": {
            "operationId": "createUpload",
            "summary": "Sign a short-lived upload URL for one object (a put token).",
            "security": _API_KEY,
            "requestBody": {"required": True, "content": _json(_ref("UploadRequest"))},
            "responses": {
                "201": {"description": "Signed.", "content": _json(_ref("UploadResponse"))},
                **_BODY_ERRORS,
                "400": _error(
                    "invalid_json, invalid_request, invalid_key, prefix_required, "
                    "invalid_content_length"
                ),
                **_AUTH_ERRORS,
            },
        }
    },
    "/api/v1/downloads": {
        "post": {
            "operationId": "createDownload",
            "summary": "Sign a short-lived GET/HEAD link for one object (a get token).",
            "security": _API_KEY,
            "requestBody": {"required": True, "content": _json(_ref("DownloadRequest"))},
            "responses": {
                "201": {"description": "Signed.", "content": _json(_ref("DownloadResponse"))},
                **_BODY_ERRORS,
                **_AUTH_ERRORS,
            },
        }
    },
    "/api/v1/objects": {
        "get": {
            "operationId": "listObjects",
            "summary": "List objects under a prefix inside the API key's list scope.",
            "security": _API_KEY,
            "parameters": [
                {
                    "name": "prefix",
                    "in": "query",
                    "schema": {
                        "type": "string",
                        "default": "",
                        "pattern": f"^{_TEXT}*{END}",
                        "maxLength": MAX_KEY_BYTES,
                    },
                },
                {
                    "name": "delimiter",
                    "in": "query",
                    "schema": {
                        "type": "string",
                        "pattern": f"^{_TEXT}*{END}",
                        "maxLength": MAX_DELIMITER_CHARS,
                    },
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "The cursor of the previous page, as it was returned.",
                    "schema": {
                        "type": "string",
                        "pattern": f"^[\\x21-\\x7e]*{END}",
                        "maxLength": MAX_CURSOR_CHARS,
                    },
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT,
                    },
                },
            ],
            "responses": {
                "200": {"description": "One page.", "content": _json(_ref("ObjectList"))},
                "400": _error("invalid_request: an unknown, repeated or bad query parameter"),
                **_AUTH_ERRORS,
            },
        }
    },
    "/api/v1/stats": {
        "get": {
            "operationId": "getStats",
            "summary": "Objects and bytes per folder, type and owner within the API key's "
            "list scope, from the object index (docs/events.md).",
            "security": _API_KEY,
            "parameters": [
                {
                    "name": "prefix",
                    "in": "query",
                    "description": "One prefix inside the key's scope (default: its prefixes).",
                    "schema": {
                        "type": "string",
                        "pattern": f"^(?:{_TEXT}*/)?{END}",
                        "maxLength": MAX_KEY_BYTES,
                    },
                },
            ],
            "responses": {
                "200": {"description": "The figures.", "content": _json(_ref("Stats"))},
                "400": _error("invalid_request: an unknown, repeated or bad query parameter"),
                **_AUTH_ERRORS,
                "502": _error("storage_error"),
            },
        }
    },
    # The uploader's files: Workers Static Assets (public/api/v1/), GET and HEAD only.
    "/api/v1/uploader": _static_asset(
        "uploaderPage",
        "The browser uploader page; open page_url (the tokens are in its fragment).",
        "text/html",
        "HTML, with a strict Content-Security-Policy.",
    ),
    "/api/v1/uploader.css": _static_asset(
        "uploaderStylesheet", "The uploader page's stylesheet.", "text/css", "CSS."
    ),
    "/api/v1/uploader.js": _static_asset(
        "uploaderModule",
        "The uploader as a dependency-free ES module (Upload, uploadEvents); any origin may "
        "import it.",
        "text/javascript",
        "JavaScript module.",
    ),
    "/api/v1/uploader-ui.js": _static_asset(
        "uploaderPageModule",
        "The uploader page's own script (imports uploader.js).",
        "text/javascript",
        "JavaScript module.",
    ),
    **_TUS_PATHS,
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1.",
                    "content": _json({"type": "object"}),
                }
            },
        }
    },
    "/{key}": {
        "get": {
            "operationId": "getObject",
            "summary": "Read one object (HEAD: its headers). Public unless under a private "
            "prefix (then an API key or a get token). RFC 9110 validators, conditional "
            "requests and ranges; Content-Security-Policy: default-src 'none'; sandbox.",
            "security": [{}, *_TOKEN],
            "parameters": [
                _KEY_PARAMETER,
                _TOKEN_PARAMETER,
                {
                    "name": "download",
                    "in": "query",
                    "schema": {
                        "type": "string",
                        "pattern": f"^{_TEXT}*{END}",
                        "maxLength": MAX_DOWNLOAD_NAME_CHARS,
                    },
                    "description": "Content-Disposition: attachment, with this name (empty: "
                    "the key's last segment).",
                },
            ],
            "responses": {
                "200": {"description": "The object.", "content": {"*/*": {"schema": _BINARY}}},
                "206": {"description": "A range.", "content": {"*/*": {"schema": _BINARY}}},
                "304": {"description": "Not modified."},
                "400": _error("invalid_key, invalid_request (a bad query)"),
                "404": _error("not_found"),
                **_TOKEN_ERRORS,
                "412": _error("precondition_failed"),
                "416": _error("range_not_satisfiable"),
                "502": _error("storage_error"),
            },
        },
        "put": {
            "operationId": "putObject",
            "summary": "Upload one object with a put token (from createUpload) or an API key. "
            "If-Match, If-None-Match (* creates only) and If-Unmodified-Since are R2 conditions "
            "of the write (412 when they fail).",
            "security": _TOKEN,
            "parameters": [_KEY_PARAMETER, _TOKEN_PARAMETER],
            "requestBody": {
                "required": True,
                "description": "The bytes, with any one media type as Content-Type (stored "
                "canonical; a generic type such as application/octet-stream never hides the "
                "key's known extension); a few typical ones are listed.",
                "content": {
                    media: {"schema": _BINARY}
                    for media in ("model/gltf-binary", "image/png", "video/mp4")
                },
            },
            "responses": {
                "201": {"description": "Created.", "content": _json(_ref("UploadedObject"))},
                "200": {
                    "description": "Overwritten (API key, or a token with overwrite).",
                    "content": _json(_ref("UploadedObject")),
                },
                "400": _error(
                    "invalid_key, invalid_content_length, invalid_content_type, "
                    "length_mismatch, body_length_mismatch, checksum_mismatch, invalid_request"
                ),
                **_TOKEN_ERRORS,
                "411": _error("length_required"),
                "412": _error(
                    "precondition_failed (If-Match, If-None-Match, If-Unmodified-Since), "
                    "already_exists (a create-only token and the key exists)"
                ),
                "413": _error("too_large: over the token's max_bytes or the single PUT limit"),
                "415": _error("unsupported_media_type: Content-Type not allowed by the token"),
                "429": _error("rate_limited: R2 allows one write per second per key"),
                "502": _error("storage_error"),
            },
        },
        "delete": {
            "operationId": "deleteObject",
            "summary": "Delete one object with a delete token or an API key. If-Match and "
            "If-Unmodified-Since are checked first (412).",
            "security": _TOKEN,
            "parameters": [_KEY_PARAMETER, _TOKEN_PARAMETER],
            "responses": {
                "204": {"description": "Deleted (or did not exist)."},
                "400": _error("invalid_key, invalid_request"),
                **_TOKEN_ERRORS,
                "412": _error("precondition_failed"),
                "502": _error("storage_error"),
            },
        },
    },
}

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "r2gate",
        "version": __version__,
        "description": "Edge API for Cloudflare R2: signed upload and download URLs, listing. "
        'Every error is {"error": {"code", "message"}}.',
    },
    "paths": _PATHS,
    "webhooks": _WEBHOOKS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key."},
            "token": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "tokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
        },
    },
}


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """A fresh copy of the document for `settings` (their single-PUT limit and token
    lifetime; the defaults without)."""
    max_put = settings.max_put_bytes if settings else DEFAULT_MAX_PUT_BYTES
    tokens = settings.tokens if settings else None
    lifetime = tokens.max_lifetime if tokens else DEFAULT_MAX_LIFETIME
    document: dict[str, Any] = json.loads(_document_text(max_put, lifetime))
    return document


@cache
def _document_text(max_put_bytes: int, max_lifetime: int) -> str:
    document = copy.deepcopy(_DOCUMENT)
    schemas = document["components"]["schemas"]
    for name in ("UploadRequest", "DownloadRequest"):
        schemas[name]["properties"]["expires_in"]["maximum"] = max_lifetime
    upload = schemas["UploadRequest"]
    upload["properties"]["max_bytes"]["description"] = (
        f"The largest body: at most {max_put_bytes} (the single-PUT limit, also the default); "
        f"with multipart, the largest object, at most {MAX_OBJECT_BYTES} (the default)."
    )
    upload["if"] = {"properties": {"multipart": {"const": True}}, "required": ["multipart"]}
    upload["then"] = {"properties": {"max_bytes": {"maximum": MAX_OBJECT_BYTES}}}
    upload["else"] = {"properties": {"max_bytes": {"maximum": max_put_bytes}}}
    upload["dependentSchemas"]["sha256"] = {
        "properties": {"multipart": {"const": False}},
        "description": "sha256 cannot be combined with multipart.",
    }
    return json.dumps(document, separators=(",", ":"))
