"""Content-Type guessing and categories."""

from __future__ import annotations

import pytest

from r2gate.content_types import category, guess_content_type


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
