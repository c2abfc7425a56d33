"""Header fields by lower-case name (r2gate.fields)."""

from __future__ import annotations

from datetime import UTC, datetime

from r2gate.conditional import Outcome, evaluate_preconditions
from r2gate.fields import LowerCaseFields, lowered

ETAG = '"abc"'
MODIFIED = datetime(2026, 1, 1, tzinfo=UTC)


def test_fields_known_to_be_lower_case_are_not_copied() -> None:
    fields = LowerCaseFields({"if-none-match": ETAG})
    assert lowered(fields) is fields


def test_other_mappings_are_looked_up_by_lower_case_name() -> None:
    assert lowered({"If-None-Match": ETAG, "RANGE": "bytes=0-1"}) == {
        "if-none-match": ETAG,
        "range": "bytes=0-1",
    }


def test_preconditions_decide_the_same_for_either() -> None:
    for headers in ({"If-None-Match": ETAG}, {"If-Match": '"other"'}, {"Range": "bytes=0-1"}):
        lower = LowerCaseFields({name.lower(): value for name, value in headers.items()})
        plain = evaluate_preconditions("GET", headers, ETAG, MODIFIED)
        assert evaluate_preconditions("GET", lower, ETAG, MODIFIED) == plain
    assert evaluate_preconditions("GET", LowerCaseFields(), ETAG, MODIFIED).outcome is (
        Outcome.PROCEED
    )
