"""The query string, parsed once with bounds; names are decoded, so redaction and
authentication see the same parameters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.auth import presents_token, query_token
from r2gate.errors import ApiError
from r2gate.query import MAX_QUERY_CHARS, MAX_QUERY_FIELDS, parse_query, request_line

SECRET = "eyJhbGciOiJIUzI1NiJ9.eyJvcCI6ImdldCJ9.c2lnbmF0dXJl"


def test_pairs_names_and_values_are_decoded() -> None:
    query = parse_query("uploads&uploadId=a%2Fb&x=1+2&x=3&&")
    assert query.pairs == (("uploads", ""), ("uploadId", "a/b"), ("x", "1 2"), ("x", "3"))
    assert query.names == {"uploads", "uploadId", "x"}
    assert query.get("x") == "1 2"
    assert "uploads" in query and "y" not in query


@pytest.mark.parametrize(
    "raw", [f"%74oken={SECRET}", f"t%6Fken={SECRET}", f"%74%6F%6B%65%6E={SECRET}"]
)
def test_an_encoded_name_is_the_token_parameter_and_is_redacted(raw: str) -> None:
    query = parse_query(raw + "&download=a.glb")
    assert query_token(query) == SECRET and presents_token(query)
    line = request_line("GET", "/a.glb", query)
    assert SECRET not in line
    assert line == "GET /a.glb?token=<redacted>&download=a.glb"


@pytest.mark.parametrize("name", ["TOKEN", "X-Amz-Signature", "x-amz-credential"])
def test_credential_names_are_redacted_in_any_case(name: str) -> None:
    assert SECRET not in request_line("GET", "/k", parse_query(f"{name}={SECRET}"))


def test_a_repeated_token_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        query_token(parse_query("token=a&token=b"))
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")


@pytest.mark.parametrize(
    "raw",
    [
        "a=%FF",
        "%C3=1",
        "x" * (MAX_QUERY_CHARS + 1),
        "&".join(f"f{i}=1" for i in range(MAX_QUERY_FIELDS + 1)),
    ],
)
def test_malformed_or_oversized_queries_are_400(raw: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_query(raw)
    assert (caught.value.status, caught.value.code) == (400, "invalid_request")


def test_a_query_that_did_not_parse_is_logged_without_it() -> None:
    assert request_line("PUT", "/k", None) == "PUT /k"


@given(st.text(max_size=200))
def test_any_text_either_parses_or_is_a_400(raw: str) -> None:
    try:
        query = parse_query(raw)
    except ApiError as error:
        assert error.status == 400
        return
    line = request_line("GET", "/", query)
    shown = parse_query(line.partition("?")[2])
    assert all(value == "<redacted>" for name, value in shown.pairs if name.lower() == "token")
    assert len([n for n, _ in shown.pairs if n == "token"]) == len(
        [n for n, _ in query.pairs if n == "token"]
    )


@pytest.mark.parametrize(
    "raw",
    [
        f"Signature={SECRET}",
        f"AWSAccessKeyId={SECRET}&Expires=1",
        f"access_token={SECRET}",
        f"X-Amz-Security-Token={SECRET}",
        f"a=1;token={SECRET}",
        f"a=1;Token={SECRET};b=2",
        f"x=a;b=c;signature={SECRET}",
    ],
)
def test_every_spelling_of_a_credential_is_redacted(raw: str) -> None:
    line = request_line("GET", "/k", parse_query(raw))
    assert SECRET not in line
    assert "<redacted>" in line


def test_a_value_hiding_a_token_behind_a_semicolon_keeps_the_rest() -> None:
    line = request_line("GET", "/k", parse_query(f"a=1;token={SECRET}&b=2"))
    assert line == "GET /k?a=1;token=<redacted>&b=2"
    assert request_line("GET", "/k", parse_query("Expires=1&a=x;y")) == "GET /k?Expires=1&a=x;y"


def test_a_path_parameter_holding_a_token_is_redacted() -> None:
    line = request_line("GET", f"/k;token={SECRET}/y.glb", None)
    assert line == "GET /k;token=<redacted>/y.glb"
    with_query = request_line("GET", f"/k;token={SECRET}/y.glb", parse_query("a=1"))
    assert with_query == "GET /k;token=<redacted>/y.glb?a=1"
    assert request_line("GET", "/k;v=1/y.glb", None) == "GET /k;v=1/y.glb"
