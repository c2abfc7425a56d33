"""The OpenAPI 3.1 document of /api/v1 (and the token side of ``PUT``/``DELETE /{key}``).

Served at ``GET /api/v1/openapi.json``. The request schemas list exactly the members the
parsers accept (`api_requests.UPLOAD_FIELDS`, ...); the HTTP tests validate real responses
against the response schemas.
"""

from __future__ import annotations

import copy
from typing import Any

from . import __version__
from .api_requests import MAX_BODY_BYTES
from .listing import DEFAULT_LIMIT, MAX_LIMIT

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
_METADATA = {"type": "object", "additionalProperties": {"type": "string"}}
_SHA256 = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}
_TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"}
_EXPIRES_IN = {
    "type": "integer",
    "minimum": 1,
    "description": "Token lifetime in seconds (default min(900, TOKEN_MAX_LIFETIME)); at most "
    "TOKEN_MAX_LIFETIME.",
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
        "oneOf": [{"required": ["key"]}, {"required": ["filename"]}],
        "properties": {
            "key": {"type": "string", "minLength": 1, "description": "The exact object key."},
            "filename": {
                "type": "string",
                "minLength": 1,
                "description": "Generate the key {prefix}{YYYYMMDD_HHMMSS}_{8 hex}_{filename}.",
            },
            "prefix": {
                "type": "string",
                "description": "With filename: the folder ('' or ending in '/'). Default: the "
                "API key's single scope prefix, else models/, videos/, images/, audio/, "
                "documents/ or other/ by content type.",
            },
            "content_type": {"type": "string", "minLength": 3},
            "max_bytes": {"type": "integer", "minimum": 0},
            "expires_in": _EXPIRES_IN,
            "overwrite": {"type": "boolean", "default": False},
            "sha256": _SHA256,
            "metadata": _METADATA,
            "cache_control": _STRING,
            "multipart": {
                "type": "boolean",
                "default": False,
                "description": "Also mint an mpu token for the same key (response member "
                "multipart); max_bytes then bounds the whole object (default 5 TiB) and "
                "sha256 is refused.",
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
        "required": ["token", "url", "max_bytes"],
        "additionalProperties": False,
        "properties": {
            "token": {"type": "string", "description": "An mpu token for the same key."},
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
            "key": {"type": "string", "minLength": 1},
            "expires_in": _EXPIRES_IN,
            "download_name": {"type": "string", "minLength": 1},
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
    "StoredObject": {
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
_AUTH_ERRORS = {
    "401": _error("auth_required, auth_invalid"),
    "403": _error("key_scope: the API key lacks the operation or the prefix"),
}
_BODY_ERRORS = {
    "400": _error("invalid_json, invalid_request, invalid_key, invalid_content_length"),
    "413": _error(f"body_too_large: the JSON body exceeds {MAX_BODY_BYTES} bytes"),
    "415": _error("unsupported_media_type: the body is not application/json"),
    "501": _error("tokens_disabled: SIGNING_KEYS is not set"),
}
_KEY_PARAMETER = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The object key, percent-encoded; '/' separates segments.",
}
_TOKEN_ERRORS = {
    "401": _error(
        "auth_required, auth_invalid, token_malformed, token_algorithm, token_unknown_kid, "
        "token_signature, token_audience, token_issuer, token_expired, token_not_yet_valid, "
        "token_lifetime, token_too_large, token_unsupported"
    ),
    "403": _error("token_scope (wrong op or key), key_scope"),
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
                {"name": "prefix", "in": "query", "schema": {"type": "string", "default": ""}},
                {"name": "delimiter", "in": "query", "schema": {"type": "string"}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
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
        "put": {
            "operationId": "putObject",
            "summary": "Upload one object with a put token (from createUpload) or an API key.",
            "security": _TOKEN,
            "parameters": [
                _KEY_PARAMETER,
                {
                    "name": "token",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "The token, as in upload_url.",
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "201": {"description": "Created.", "content": _json(_ref("StoredObject"))},
                "200": {
                    "description": "Overwritten (API key, or a token with overwrite).",
                    "content": _json(_ref("StoredObject")),
                },
                "400": _error(
                    "invalid_key, invalid_content_length, length_mismatch, "
                    "body_length_mismatch, checksum_mismatch"
                ),
                **_TOKEN_ERRORS,
                "411": _error("length_required"),
                "412": _error("already_exists: a create-only token and the key exists"),
                "413": _error("too_large: over the token's max_bytes or the single PUT limit"),
                "415": _error("unsupported_media_type: Content-Type not allowed by the token"),
                "429": _error("rate_limited: R2 allows one write per second per key"),
                "502": _error("storage_error"),
            },
        },
        "delete": {
            "operationId": "deleteObject",
            "summary": "Delete one object with a delete token or an API key.",
            "security": _TOKEN,
            "parameters": [_KEY_PARAMETER],
            "responses": {
                "204": {"description": "Deleted (or did not exist)."},
                "400": _error("invalid_key"),
                **_TOKEN_ERRORS,
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
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key."},
            "token": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "tokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not mutate the shared one)."""
    return copy.deepcopy(_DOCUMENT)
