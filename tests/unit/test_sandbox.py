"""The Content-Security-Policy of object responses and the TRUSTED_PAGES setting."""

from __future__ import annotations

import pytest

from r2gate.sandbox import (
    SANDBOX,
    UNSANDBOXED_POLICY,
    content_security_policy,
    parse_trusted_pages,
)
from r2gate.settings import parse_settings


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "image/svg+xml", "application/xhtml+xml", "image/png", "model/gltf-binary", None],
)
def test_every_object_is_sandboxed(content_type: str | None) -> None:
    assert content_security_policy("u/a", content_type) == SANDBOX


def test_pdf_opens_in_the_browser_viewer_without_the_sandbox() -> None:
    assert content_security_policy("d/a.pdf", "Application/PDF") == UNSANDBOXED_POLICY


def test_trusted_prefixes_get_no_policy() -> None:
    trusted = parse_trusted_pages('["site/", "docs/v1/"]')
    assert trusted == ("site/", "docs/v1/")
    assert content_security_policy("site/index.html", "text/html", trusted) is None
    assert content_security_policy("sites/index.html", "text/html", trusted) == SANDBOX
    assert content_security_policy("docs/v2/a.html", "text/html", trusted) == SANDBOX


@pytest.mark.parametrize(
    "text", ['"site/"', '["site"]', '[""]', "[5]", '["api/"]', '["a//"]', "[[]]", "{}", "["]
)
def test_bad_trusted_pages_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_trusted_pages(text)


def test_a_bad_setting_is_server_misconfigured_naming_it() -> None:
    with pytest.raises(Exception) as caught:
        parse_settings({"TRUSTED_PAGES": '["site"]'})
    assert "TRUSTED_PAGES" in str(caught.value)
    assert parse_settings({"TRUSTED_PAGES": " "}).trusted_pages == ()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/pdf;,text/html",  # stored before r2gate parsed types strictly
        "application/pdf, text/html",
        "application/pdf,text/html",
        "application/pdf; x=1, text/html",
        "application/pdf/html",
        "application/pdfx",
        "",
        None,
    ],
)
def test_only_exactly_one_pdf_type_escapes_the_sandbox(content_type: str | None) -> None:
    assert content_security_policy("d/a.pdf", content_type) == SANDBOX


@pytest.mark.parametrize(
    "content_type", ["application/pdf", "application/pdf; charset=binary", " application/pdf "]
)
def test_one_pdf_type_gets_the_viewer_policy(content_type: str) -> None:
    assert content_security_policy("d/a.pdf", content_type) == UNSANDBOXED_POLICY
    assert UNSANDBOXED_POLICY == "default-src 'none'"
    assert SANDBOX != UNSANDBOXED_POLICY and "sandbox" in SANDBOX
