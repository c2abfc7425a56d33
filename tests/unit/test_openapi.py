"""The OpenAPI document agrees with the parsers it describes."""

from __future__ import annotations

import json

from r2gate.api_requests import DOWNLOAD_FIELDS, UPLOAD_FIELDS
from r2gate.listing import MAX_LIMIT, PARAMETERS
from r2gate.openapi import openapi_document


def test_request_schemas_list_exactly_the_accepted_members() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert set(schemas["UploadRequest"]["properties"]) == UPLOAD_FIELDS
    assert set(schemas["DownloadRequest"]["properties"]) == DOWNLOAD_FIELDS
    assert schemas["UploadRequest"]["additionalProperties"] is False


def test_listing_parameters() -> None:
    operation = openapi_document()["paths"]["/api/v1/objects"]["get"]
    assert {p["name"] for p in operation["parameters"]} == PARAMETERS
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_LIMIT


def test_document_is_json_and_a_fresh_copy() -> None:
    first = openapi_document()
    first["paths"].clear()
    second = openapi_document()
    assert second["paths"]
    assert json.loads(json.dumps(second)) == second
    assert second["openapi"] == "3.1.0"


def test_every_operation_documents_its_errors_with_the_error_schema() -> None:
    document = openapi_document()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_the_document_states_this_servers_limits() -> None:
    from r2gate.settings import parse_settings

    settings = parse_settings(
        {
            "MAX_PUT_BYTES": "5000000",
            "SIGNING_KEYS": '{"k": "' + "s" * 40 + '"}',
            "TOKEN_MAX_LIFETIME": "300",
        }
    )
    upload = openapi_document(settings)["components"]["schemas"]["UploadRequest"]
    assert upload["properties"]["expires_in"]["maximum"] == 300
    assert upload["else"]["properties"]["max_bytes"]["maximum"] == 5_000_000
    assert openapi_document()["components"]["schemas"]["UploadRequest"]["else"] == {
        "properties": {"max_bytes": {"maximum": 100_000_000}}
    }


def test_the_key_parameter_is_the_key_rules() -> None:
    from r2gate.keys import KEY_PATTERN

    for method in ("get", "put", "delete"):
        (key,) = [
            p
            for p in openapi_document()["paths"]["/{key}"][method]["parameters"]
            if p["in"] == "path"
        ]
        assert key["schema"]["pattern"] == KEY_PATTERN
