"""Content-Type guessing and categories."""

from __future__ import annotations

import pytest

from r2gate.content_types import (
    StoredType,
    category,
    guess_content_type,
    known_content_type,
    stored_content_type,
)
from r2gate.mediatype import parse_media_type


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("models/chair.glb", "model/gltf-binary"),
        ("chair.gltf", "model/gltf+json"),
        ("ar/Chair.USDZ", "model/vnd.usdz+zip"),
        ("scan.ply", "application/octet-stream"),
        ("scene.splat", "application/octet-stream"),
        ("scene.ksplat", "application/octet-stream"),
        ("scene.spz", "application/octet-stream"),
        ("mesh.obj", "model/obj"),
        ("rig.fbx", "application/octet-stream"),
        ("clip.mp4", "video/mp4"),
        ("clip.m4v", "video/x-m4v"),
        ("clip.webm", "video/webm"),
        ("clip.MOV", "video/quicktime"),
        ("hls/index.m3u8", "application/vnd.apple.mpegurl"),
        ("hls/seg0.ts", "video/mp2t"),
        ("a.jpg", "image/jpeg"),
        ("a.JPEG", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("a.svg", "image/svg+xml"),
        ("a.heic", "image/heic"),
        ("tex.ktx2", "image/ktx2"),
        ("env.hdr", "image/vnd.radiance"),
        ("env.exr", "image/x-exr"),
        ("a.json", "application/json"),
        ("a.txt", "text/plain; charset=utf-8"),
        ("a.html", "text/html; charset=utf-8"),
        ("a.pdf", "application/pdf"),
        ("a.zip", "application/zip"),
        ("a.mp3", "audio/mpeg"),
        ("a.wav", "audio/wav"),
        ("a.m4a", "audio/mp4"),
        ("a.bin", "application/octet-stream"),
        ("archive.tar.gz", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
        ("dir.glb/file", "application/octet-stream"),
        (".glb", "application/octet-stream"),
        ("trailing.", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_guess_content_type(key, content_type):
    assert guess_content_type(key) == content_type


@pytest.mark.parametrize(
    ("content_type", "key", "expected"),
    [
        ("model/gltf-binary", None, "models"),
        ("model/vnd.usdz+zip", None, "models"),
        ("application/octet-stream", "scan.PLY", "models"),
        ("application/octet-stream", "scene.splat", "models"),
        ("application/octet-stream", None, "other"),
        ("application/octet-stream", "x.bin", "other"),
        ("video/mp4", None, "videos"),
        ("application/vnd.apple.mpegurl", None, "videos"),
        ("image/png", None, "images"),
        ("IMAGE/JPEG", None, "images"),
        ("audio/mpeg", None, "audio"),
        ("application/pdf", None, "documents"),
        ("text/plain; charset=utf-8", None, "documents"),
        ("application/json", None, "documents"),
        ("application/zip", None, "other"),
        ("", None, "other"),
        ("garbage", None, "other"),
    ],
)
def test_category(content_type, key, expected):
    assert category(content_type, key) == expected


def test_every_guessed_type_has_a_consistent_category():
    assert category(guess_content_type("a.glb")) == "models"
    assert category(guess_content_type("a.mov")) == "videos"
    assert category(guess_content_type("a.ktx2")) == "images"
    assert category(guess_content_type("a.m4a")) == "audio"
    assert category(guess_content_type("a.html")) == "documents"


def test_every_table_type_is_a_canonical_media_type():
    for key in ("a.glb", "a.txt", "a.html", "a.svg", "a.m3u8", "a.usdz", "a.bin"):
        assert parse_media_type(guess_content_type(key)).canonical == guess_content_type(key)


def test_known_content_type_is_none_for_unknown_extensions():
    assert known_content_type("chair.glb") == "model/gltf-binary"
    assert known_content_type("chair.xyz") is None
    assert known_content_type("no-extension") is None


@pytest.mark.parametrize(
    ("sent", "key", "expected"),
    [
        pytest.param(
            "application/x-www-form-urlencoded",
            "models/chair.glb",
            StoredType("model/gltf-binary", True, "application/x-www-form-urlencoded"),
            id="issue-curl-data-binary",
        ),
        pytest.param(
            "binary/octet-stream",
            "images/a.PNG",
            StoredType("image/png", True, "binary/octet-stream"),
            id="s3-sdk-default",
        ),
        pytest.param(
            "Application/Octet-Stream",
            "clip.mp4",
            StoredType("video/mp4", True, "application/octet-stream"),
            id="octet-stream-case",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            "scan.ply",
            StoredType("application/octet-stream", True, "application/x-www-form-urlencoded"),
            id="form-type-never-describes-a-ply",
        ),
        pytest.param(
            "application/octet-stream",
            "scan.ply",
            StoredType("application/octet-stream"),
            id="same-type-is-no-replacement",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            "data.xyz",
            StoredType("application/x-www-form-urlencoded"),
            id="unknown-extension-keeps-the-request-type",
        ),
        pytest.param(
            "application/octet-stream",
            "page.html",
            StoredType("application/octet-stream"),
            id="never-replaced-by-html",
        ),
        pytest.param(
            "application/octet-stream",
            "logo.svg",
            StoredType("application/octet-stream"),
            id="never-replaced-by-svg",
        ),
        pytest.param(
            "text/plain",
            "models/chair.glb",
            StoredType("text/plain"),
            id="a-specific-type-is-kept",
        ),
        pytest.param(
            "Model/GLTF-Binary",
            "chair.bin",
            StoredType("model/gltf-binary"),
            id="request-type-is-stored-canonical",
        ),
        pytest.param(
            None, "notes.txt", StoredType("text/plain; charset=utf-8", True), id="no-type"
        ),
        pytest.param(
            None, "unknown", StoredType("application/octet-stream", True), id="no-type-no-ext"
        ),
    ],
)
def test_stored_content_type(sent, key, expected):
    media = parse_media_type(sent) if sent is not None else None
    assert stored_content_type(media, key) == expected


def test_a_replacement_is_explained():
    stored = stored_content_type(parse_media_type("application/x-www-form-urlencoded"), "a.glb")
    assert stored.note == (
        "The Content-Type application/x-www-form-urlencoded says nothing about the bytes; "
        "stored model/gltf-binary, the type of the key's extension."
    )
    assert stored_content_type(parse_media_type("image/png"), "a.glb").note is None
