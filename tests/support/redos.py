"""A ReDoS check for Python regular expressions: finds the shapes that make a backtracking
engine take polynomial or exponential time on a crafted input.

Python's `re` backtracks. A pattern is flagged when one input can be split between its
quantifiers in many ways, which a failing match then tries one after the other:

* adjacent quantifiers over shared characters: two variable repeats with only optional
  elements between them whose character sets intersect (``[ \\t]*(.*?)[ \\t]*`` on a line of
  spaces ending in a bare LF is cubic);
* nested quantifiers: a variable repeat inside a repeat, unless every pass of the outer one
  starts with a character the inner one cannot match (``(?:/(?:[a-z]|%..)*)+`` is safe: each
  pass starts at a "/");
* overlapping alternatives under a repeat: ``(?:a|ab)*``.

Possessive repeats (``*+``) and atomic groups never backtrack into themselves and are not
flagged. The analysis over-approximates character sets (``\\w`` holds every non-ASCII
character, for example), so it may refuse a pattern that is in fact safe, never the reverse
for these shapes. It reads the parse tree of `re._parser`, CPython's own parser.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

__all__ = ["CharSet", "problems"]

MAX_CODE = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class CharSet:
    """A set of code points as sorted, disjoint, inclusive ranges."""

    ranges: Ranges = ()

    @classmethod
    def of(cls, *ranges: tuple[int, int]) -> CharSet:
        merged: list[list[int]] = []
        for low, high in sorted(ranges):
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        return cls(tuple((low, high) for low, high in merged))

    def __or__(self, other: CharSet) -> CharSet:
        return CharSet.of(*self.ranges, *other.ranges)

    def invert(self) -> CharSet:
        gaps: list[tuple[int, int]] = []
        start = 0
        for low, high in self.ranges:
            if low > start:
                gaps.append((start, low - 1))
            start = high + 1
        if start <= MAX_CODE:
            gaps.append((start, MAX_CODE))
        return CharSet(tuple(gaps))

    def clip(self, low: int) -> CharSet:
        """The members from `low` up."""
        return CharSet(tuple((max(a, low), b) for a, b in self.ranges if b >= low))

    def issubset(self, other: CharSet) -> bool:
        return all(any(c <= a and b <= d for c, d in other.ranges) for a, b in self.ranges)

    def intersects(self, other: CharSet) -> bool:
        return any(a <= d and c <= b for a, b in self.ranges for c, d in other.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)


EMPTY = CharSet()
EVERYTHING = CharSet(((0, MAX_CODE),))
NON_ASCII = CharSet(((0x80, MAX_CODE),))
# Python's Unicode whitespace beyond ASCII (str.isspace): what \s adds outside ASCII.
UNICODE_SPACE = CharSet.of(
    (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
    (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_CATEGORIES = {
    # \d and \w: their ASCII members, and (over-approximated) every non-ASCII character
    # that is not whitespace; \s: ASCII and Unicode whitespace.
    "CATEGORY_DIGIT": CharSet.of((0x30, 0x39)),
    "CATEGORY_SPACE": CharSet.of((0x09, 0x0D), (0x1C, 0x20)) | UNICODE_SPACE,
    "CATEGORY_WORD": CharSet.of((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
}


def _category(name: str, flags: int) -> CharSet:
    negated = "_NOT_" in name
    positive = name.replace("_NOT_", "_").replace("CATEGORY_UNI_", "CATEGORY_")
    found = _CATEGORIES.get(positive, EVERYTHING)
    if not flags & re.ASCII and positive in ("CATEGORY_DIGIT", "CATEGORY_WORD"):
        found = found | _non_space_beyond_ascii()
    return found.invert() if negated else found


def _non_space_beyond_ascii() -> CharSet:
    return CharSet(tuple(r for r in UNICODE_SPACE.invert().ranges if r[1] >= 0x80)).clip(0x80)


def _fold(chars: CharSet, flags: int) -> CharSet:
    """Both cases of every ASCII letter under IGNORECASE (enough for these checks)."""
    if not flags & re.IGNORECASE:
        return chars
    extra: list[tuple[int, int]] = []
    for low, high in chars.ranges:
        for code in range(max(low, 0x41), min(high, 0x7A) + 1):
            char = chr(code)
            if char.isalpha():
                other = ord(char.swapcase())
                extra.append((other, other))
    return chars | CharSet.of(*extra) if extra else chars


def _class(items: list[Any], flags: int) -> CharSet:
    negate = False
    chars = EMPTY
    for op, value in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars = chars | CharSet.of((value, value))
        elif name == "RANGE":
            chars = chars | CharSet.of(value)
        elif name == "CATEGORY":
            chars = chars | _category(str(value), flags)
        else:
            chars = EVERYTHING
    return chars.invert() if negate else chars


@dataclass(frozen=True)
class _Info:
    """What one element can match: every character it may consume (`chars`), the characters
    it may start and end with, whether it can match nothing, whether it can match strings of
    different lengths and be backtracked into (`variable`), its length when that is fixed."""

    chars: CharSet
    first: CharSet
    last: CharSet
    optional: bool
    variable: bool
    length: int | None


def _single(chars: CharSet) -> _Info:
    return _Info(chars, chars, chars, False, False, 1)


_NOTHING = _Info(EMPTY, EMPTY, EMPTY, True, False, 0)


class _Analyzer:
    def __init__(self, flags: int) -> None:
        self.flags = flags
        self.found: list[str] = []

    def describe(self, items: list[Any]) -> list[_Info]:
        return [self.element(op, value) for op, value in items]

    def adjacent(self, infos: list[_Info]) -> bool:
        """Can the input be split two ways between two variable elements of a sequence? Yes
        when one may end with a character the next may start with, with nothing between
        them but optional elements or fixed ones that the first could end with instead."""
        for index, one in enumerate(infos):
            if not one.variable:
                continue
            for later in infos[index + 1 :]:
                if later.variable and one.last.intersects(later.first):
                    return True
                if later.optional:
                    continue
                absorbable = later.length is not None and not later.variable
                if not (absorbable and later.chars.issubset(one.last)):
                    break
        return False

    def sequence(self, items: list[Any], where: str) -> _Info:
        """Check a sequence, and describe it as one element."""
        infos = self.describe(items)
        if self.adjacent(infos):
            self.found.append(f"{where}: adjacent quantifiers over shared characters")
        return _combine(infos)

    def element(self, op: Any, value: Any) -> _Info:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            chars = _fold(CharSet.of((value, value)), self.flags)
            return _single(chars if name == "LITERAL" else chars.invert())
        if name == "ANY":
            newline = CharSet.of((0x0A, 0x0A))
            return _single(EVERYTHING if self.flags & re.DOTALL else newline.invert())
        if name == "IN":
            return _single(_fold(_class(value, self.flags), self.flags))
        if name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF_EXISTS"):
            return _NOTHING
        if name == "GROUPREF":
            return _Info(EVERYTHING, EVERYTHING, EVERYTHING, True, True, None)
        if name == "SUBPATTERN":
            _group, add, delete, items = value
            saved = self.flags
            self.flags = (self.flags | add) & ~delete
            try:
                return self.sequence(items, "group")
            finally:
                self.flags = saved
        if name == "ATOMIC_GROUP":
            inner = self.sequence(value, "atomic group")
            return _Info(inner.chars, inner.first, inner.last, inner.optional, False, inner.length)
        if name == "BRANCH":
            return _alternation([self.sequence(items, "alternative") for items in value[1]])
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            return self.repeat(name, value)
        raise ValueError(f"no analysis for {name}")

    def repeat(self, name: str, value: Any) -> _Info:
        low, high, items = value
        body = self.sequence(items, "repeat")
        fixed = body.length * low if high == low and body.length is not None else None
        optional = low == 0 or body.optional
        if name == "POSSESSIVE_REPEAT":
            return _Info(body.chars, body.first, body.last, optional, False, fixed)
        many = high == sre.MAXREPEAT or high > 1
        if many:
            self._check_nested(items)
        variable = body.variable or high != low
        return _Info(body.chars, body.first, body.last, optional, variable, fixed)

    def _check_nested(self, items: list[Any]) -> None:
        """A repeat's passes must split the input one way only: its body, twice in a row, has
        no ambiguous quantifiers, and alternatives are told apart by their first character."""
        quiet = _Analyzer(self.flags)  # describes; the body's own findings are reported once
        alternatives = quiet._alternatives(items)
        if alternatives is not None:
            overlapping = any(
                one.first.intersects(other.first)
                for index, one in enumerate(alternatives)
                for other in alternatives[index + 1 :]
            )
            if overlapping:
                self.found.append("overlapping alternatives under a repeat")
                return
            if not any(one.variable for one in alternatives):
                return  # each pass is chosen by its first character and has a fixed length
        if quiet.adjacent(quiet.describe(items) * 2):
            self.found.append("a variable repeat nested in a repeat")

    def _alternatives(self, items: list[Any]) -> list[_Info] | None:
        """The alternatives when a repeat's body is one alternation (possibly in a group)."""
        if len(items) != 1:
            return None
        op, value = items[0]
        if str(op) == "SUBPATTERN":
            return self._alternatives(value[3])
        if str(op) == "BRANCH":
            return [self.sequence(alternative, "") for alternative in value[1]]
        return None


def _combine(infos: list[_Info]) -> _Info:
    """A sequence as one element."""
    chars = first = last = EMPTY
    optional = True
    length: int | None = 0
    for info in infos:
        chars = chars | info.chars
        if optional:
            first = first | info.first
        optional = optional and info.optional
        length = None if length is None or info.length is None else length + info.length
    for info in reversed(infos):
        last = last | info.last
        if not info.optional:
            break
    variable = any(info.variable for info in infos)
    return _Info(chars, first, last, optional, variable, length)


def _alternation(infos: list[_Info]) -> _Info:
    chars = first = last = EMPTY
    for info in infos:
        chars, first, last = chars | info.chars, first | info.first, last | info.last
    lengths = {info.length for info in infos}
    length = lengths.pop() if len(lengths) == 1 else None
    variable = length is None or any(info.variable for info in infos)
    return _Info(chars, first, last, any(i.optional for i in infos), variable, length)


def problems(pattern: re.Pattern[Any] | str | bytes, flags: int = 0) -> list[str]:
    """Why `pattern` can backtrack badly (empty when it cannot, in the shapes above)."""
    if isinstance(pattern, re.Pattern):
        flags, pattern = pattern.flags, pattern.pattern
    source = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    if isinstance(pattern, bytes):
        flags |= re.ASCII
    analyzer = _Analyzer(flags)
    analyzer.sequence(list(sre_parse.parse(source, flags)), "pattern")
    return sorted(set(analyzer.found))
