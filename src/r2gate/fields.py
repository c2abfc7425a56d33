"""Request header fields by lower-case name: what the core's decisions look headers up in."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LowerCaseFields", "lowered"]


class LowerCaseFields(dict[str, str]):
    """Header fields whose names are already lower case (the Fetch API's Headers iterate so):
    `lowered` returns them as they are instead of copying them."""


def lowered(headers: Mapping[str, str]) -> Mapping[str, str]:
    """`headers` by lower-case name (a copy, unless they already are)."""
    if isinstance(headers, LowerCaseFields):
        return headers
    return {name.lower(): value for name, value in headers.items()}
