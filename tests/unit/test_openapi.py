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
