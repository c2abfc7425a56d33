"""The one set of control characters: C0, DEL and C1, nothing else."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from r2gate.text import has_control, without_controls


@given(st.characters())
def test_control_means_unicode_category_cc(character: str) -> None:
    assert has_control(character) is (unicodedata.category(character) == "Cc")


def test_without_controls_keeps_everything_else() -> None:
    assert without_controls("a\tb\x00c\x7fd\x85é\u202e") == "abcdé\u202e"
