"""A small JSON Schema validator for the OpenAPI tests: it covers the keywords r2gate's document
uses and refuses any other keyword, so a schema it cannot check fails the test instead of
passing silently."""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = frozenset({"description", "default", "format", "title"})
TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def errors(
    schema: dict[str, Any], value: Any, document: dict[str, Any], at: str = "$"
) -> list[str]:
    """Every violation of `schema` by `value` (empty when valid)."""
    found: list[str] = []
    for keyword, rule in schema.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword == "$ref":
            assert rule.startswith("#/components/schemas/"), rule
            target = document["components"]["schemas"][rule.rsplit("/", 1)[1]]
            found += errors(target, value, document, at)
        elif keyword == "type":
            names = rule if isinstance(rule, list) else [rule]
            if not any(_is_type(value, name) for name in names):
                found.append(f"{at}: {value!r} is not {rule}")
        elif keyword == "const":
            if value != rule:
                found.append(f"{at}: {value!r} != {rule!r}")
        elif keyword == "enum":
            if value not in rule:
                found.append(f"{at}: {value!r} not in {rule}")
        elif keyword == "required":
            if isinstance(value, dict):
                found += [f"{at}: missing {name}" for name in rule if name not in value]
        elif keyword == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        found += errors(sub, value[name], document, f"{at}.{name}")
        elif keyword == "additionalProperties":
            if isinstance(value, dict):
                extra = [n for n in value if n not in schema.get("properties", {})]
                for name in extra:
                    if rule is False:
                        found.append(f"{at}: unexpected member {name}")
                    elif isinstance(rule, dict):
                        found += errors(rule, value[name], document, f"{at}.{name}")
        elif keyword == "items":
            if isinstance(value, list):
                for index, item in enumerate(value):
                    found += errors(rule, item, document, f"{at}[{index}]")
        elif keyword == "oneOf":
            matching = [sub for sub in rule if not errors(sub, value, document, at)]
            if len(matching) != 1:
                found.append(f"{at}: matches {len(matching)} of oneOf")
        elif keyword == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                found.append(f"{at}: {value!r} does not match {rule}")
        elif keyword == "minLength":
            if isinstance(value, str) and len(value) < rule:
                found.append(f"{at}: shorter than {rule}")
        elif keyword == "minimum":
            if _is_type(value, "number") and value < rule:
                found.append(f"{at}: {value} < {rule}")
        elif keyword == "maximum":
            if _is_type(value, "number") and value > rule:
                found.append(f"{at}: {value} > {rule}")
        else:
            raise AssertionError(f"the test validator does not know the keyword {keyword!r}")
    return found
