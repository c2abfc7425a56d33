"""JSON Schema validation for the OpenAPI tests, by jsonschema_rs (a full Draft 2020-12
validator, installed with schemathesis): a schema of the document, with its `$ref`s into
``#/components/schemas/``."""

from __future__ import annotations

from typing import Any

import jsonschema_rs


def errors(schema: dict[str, Any], value: Any, document: dict[str, Any]) -> list[str]:
    """Every violation of `schema` (a part of `document`) by `value` (empty when valid)."""
    root = {**schema, "components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(root)
    return [
        f"{list(error.instance_path)}: {error.message}" for error in validator.iter_errors(value)
    ]
