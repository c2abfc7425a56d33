"""Generated object keys: format, default folders, filename sanitising."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.keygen import MAX_NAME_LENGTH, default_prefix, generated_key, safe_filename

NOW = datetime(2024, 3, 9, 7, 5, 3, tzinfo=UTC)


def test_format() -> None:
    key = generated_key("Cat Photo.PNG", "image/png", None, NOW, "0a1b2c3d")
    assert key == "images/20240309_070503_0a1b2c3d_Cat_Photo.PNG"


def test_explicit_prefix_and_naive_time() -> None:
    naive = datetime(2024, 3, 9, 7, 5, 3)
    assert generated_key("a.bin", None, "u/42/", naive, "ffffffff") == (
        "u/42/20240309_070503_ffffffff_a.bin"
    )
    assert generated_key("a.bin", "image/png", "", NOW, "00000000").startswith("2024")


def test_aware_time_converted_to_utc() -> None:
    tokyo = NOW.astimezone(timezone(timedelta(hours=9)))
    assert generated_key("a", None, "", tokyo, "12345678").startswith("20240309_070503_")


@pytest.mark.parametrize("bad", ["", "1234567", "123456789", "ABCDEF12", "ghijklmn"])
def test_random_hex_validated(bad: str) -> None:
    with pytest.raises(ValueError):
        generated_key("a", None, None, NOW, bad)


@pytest.mark.parametrize(
    ("content_type", "filename", "prefix"),
    [
        ("model/gltf-binary", "x", "models/"),
        ("application/octet-stream", "scan.GLB", "models/"),
        ("application/json", "scene.gltf", "models/"),
        (None, "room.usdz", "models/"),
        ("text/plain", "cloud.ply", "models/"),
        ("application/octet-stream", "g.splat", "models/"),
        ("video/mp4", "v.mp4", "videos/"),
        ("Image/JPEG; q=1", "p.jpg", "images/"),
        ("audio/mpeg", "s.mp3", "audio/"),
        ("application/pdf", "d.pdf", "documents/"),
        ("text/csv", "d.csv", "documents/"),
        ("application/json", "d.json", "documents/"),
        ("application/ld+json", "d.jsonld", "documents/"),
        ("application/zip", "a.zip", "other/"),
        (None, None, "other/"),
        ("", "glb", "other/"),
    ],
)
def test_default_prefix(content_type: str | None, filename: str | None, prefix: str) -> None:
    assert default_prefix(content_type, filename) == prefix
    key = generated_key(filename, content_type, None, NOW, "abcdef01")
    assert key.startswith(prefix)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("my report (final).pdf", "my_report_final_.pdf"),
        ("a  b\t\tc", "a_b_c"),
        ("a___b", "a_b"),
        ("..hidden", "hidden"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\photo 1.jpg", "photo_1.jpg"),
        ("dir/", "file"),
        ("", "file"),
        (None, "file"),
        ("...", "file"),
        ("???", "file"),
        ("日本語.png", "_.png"),
        ("ok-name_1.tar.gz", "ok-name_1.tar.gz"),
    ],
)
def test_safe_filename(raw: str | None, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_long_name_keeps_extension() -> None:
    name = safe_filename("x" * 300 + ".jpeg")
    assert len(name) == MAX_NAME_LENGTH and name.endswith(".jpeg")
    long_ext = safe_filename("y" * 50 + "." + "z" * 80)
    assert len(long_ext) == MAX_NAME_LENGTH and long_ext.startswith("y" * 50 + ".")


@given(st.text(max_size=400))
def test_safe_filename_properties(raw: str) -> None:
    name = safe_filename(raw)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,100}", name)
    assert not name.startswith(".") and "__" not in name
    key = generated_key(raw, "image/png", None, NOW, "deadbeef")
    assert key == f"images/20240309_070503_deadbeef_{name}"
