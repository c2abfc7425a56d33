"""Content-Disposition filenames (RFC 6266, RFC 8187)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.disposition import content_disposition


@pytest.mark.parametrize(
    ("filename", "disposition", "expected"),
    [
        pytest.param(
            "report.pdf", "attachment", 'attachment; filename="report.pdf"', id="rfc6266-4.3-ascii"
        ),
        pytest.param(
            "clip.mp4",
            "INLINE",
            'inline; filename="clip.mp4"',
            id="rfc6266-4.2-type-case-insensitive",
        ),
        pytest.param(
            'a "quoted" name.txt',
            "attachment",
            'attachment; filename="a \\"quoted\\" name.txt"',
            id="rfc9110-5.6.4-quoted-pair",
        ),
        pytest.param(
            "€ rates.pdf",
            "attachment",
            "attachment; filename=\"_ rates.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf",
            id="rfc6266-5-example-euro",
        ),
        pytest.param(
            "résumé.pdf",
            "attachment",
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
            id="rfc8187-3.2.3-utf8-accents-fallback",
        ),
        pytest.param(
            "模型.glb",
            "inline",
            "inline; filename=\"__.glb\"; filename*=UTF-8''%E6%A8%A1%E5%9E%8B.glb",
            id="rfc8187-3.2.1-cjk",
        ),
        pytest.param(
            "100%25.txt",
            "attachment",
            "attachment; filename=\"100_25.txt\"; filename*=UTF-8''100%2525.txt",
            id="rfc6266-appendix-d-percent-hex",
        ),
        pytest.param(
            "50% off.txt",
            "attachment",
            'attachment; filename="50% off.txt"',
            id="rfc6266-appendix-d-lone-percent",
        ),
        pytest.param(
            "../../etc/passwd",
            "attachment",
            'attachment; filename="passwd"',
            id="rfc6266-4.3-no-path",
        ),
        pytest.param(
            "C:\\Users\\x\\a.txt",
            "attachment",
            'attachment; filename="a.txt"',
            id="rfc6266-4.3-no-backslash-path",
        ),
        pytest.param(
            "models/chair.glb",
            "attachment",
            'attachment; filename="chair.glb"',
            id="key-last-segment",
        ),
        pytest.param(
            "a\r\nSet-Cookie: x.txt",
            "attachment",
            'attachment; filename="aSet-Cookie: x.txt"',
            id="rfc9110-5.5-no-ctl",
        ),
        pytest.param(
            "evil\u202egpj.exe",
            "attachment",
            'attachment; filename="evilgpj.exe"',
            id="bidi-override-removed",
        ),
        pytest.param("..", "attachment", 'attachment; filename="download"', id="dot-dot-fallback"),
        pytest.param("dir/", "attachment", 'attachment; filename="download"', id="empty-fallback"),
        pytest.param("", "attachment", 'attachment; filename="download"', id="empty-name"),
    ],
)
def test_content_disposition(filename, disposition, expected):
    assert content_disposition(filename, disposition) == expected


def test_rejects_unknown_disposition_type():
    with pytest.raises(ValueError):
        content_disposition("a.txt", "form-data")


_FALLBACK = re.compile(
    r'(attachment|inline); filename="((?:[ !#-\[\]-~]|\\["\\])*)"(?:; filename\*=(.*))?'
)


@given(st.text(max_size=60))
def test_header_is_ascii_and_round_trips(filename):
    value = content_disposition(filename)
    assert value.isascii() and value.isprintable()
    m = _FALLBACK.fullmatch(value)
    assert m is not None
    fallback = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
    assert fallback and "/" not in fallback and "\\" not in fallback
    if m.group(3) is not None:
        assert m.group(3).startswith("UTF-8''")
        name = unquote(m.group(3)[7:], errors="strict")
        assert name and "/" not in name and "\\" not in name
        assert not name.isascii() or not name.isprintable() or re.search("%[0-9A-Fa-f]{2}", name)
    elif filename.isascii() and filename.isprintable():
        expected = filename.replace("\\", "/").split("/")[-1].strip(" .") or "download"
        assert fallback == expected


def test_a_name_of_combining_marks_only_falls_back_to_download() -> None:
    assert content_disposition("\u1dc0") == (
        "attachment; filename=\"download\"; filename*=UTF-8''%E1%B7%80"
    )
