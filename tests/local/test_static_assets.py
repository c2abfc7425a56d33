"""The uploader's files are Workers Static Assets (wrangler.toml [assets], public/): exactly
their paths skip the Worker, no object key can be one of them, the page loads nothing inline,
and a deploy uploads the files as assets and no module for them."""

from __future__ import annotations

import re
import tomllib

import pytest

from r2gate.errors import ApiError
from r2gate.keys import key_from_path
from r2gate.openapi import openapi_document
from tests.support.dry_run import dry_run
from tests.support.server import ROOT

ASSETS = tomllib.loads((ROOT / "wrangler.toml").read_text())["assets"]
PUBLIC = ROOT / ASSETS["directory"]
# URL path -> file: with wrangler's default html_handling, /x is served from x.html.
SERVED = {
    "/api/v1/uploader": "api/v1/uploader.html",
    "/api/v1/uploader.css": "api/v1/uploader.css",
    "/api/v1/uploader.js": "api/v1/uploader.js",
    "/api/v1/uploader-ui.js": "api/v1/uploader-ui.js",
}


def test_every_path_but_the_uploaders_goes_to_the_worker_first() -> None:
    first, *negated = ASSETS["run_worker_first"]
    assert first == "/*"  # the Worker first, so no file can shadow an object
    assert all(rule.startswith("!/") and "*" not in rule for rule in negated)  # exact paths
    assert sorted(rule[1:] for rule in negated) == sorted(SERVED)
    assert "binding" not in ASSETS  # the Worker never fetches an asset itself


def test_the_asset_directory_holds_exactly_the_uploaders_files() -> None:
    files = {p.relative_to(PUBLIC).as_posix() for p in PUBLIC.rglob("*") if p.is_file()}
    assert files == {*SERVED.values(), "_headers"}


@pytest.mark.parametrize("path", sorted(SERVED))
def test_no_object_key_can_be_an_asset_path(path: str) -> None:
    with pytest.raises(ApiError) as refused:
        key_from_path(path)
    assert (refused.value.status, refused.value.code) == (400, "invalid_key")


def test_the_page_loads_only_its_own_files_and_nothing_inline() -> None:
    html = (PUBLIC / SERVED["/api/v1/uploader"]).read_text()
    assert set(re.findall(r'(?:src|href)="([^"]*)"', html)) == {
        "data:,",  # the empty favicon (img-src data:)
        "/api/v1/uploader.css",
        "/api/v1/uploader-ui.js",
    }
    assert not re.search(r"<style|<script>|\sstyle=|\son[a-z]+=", html)  # CSP allows none
    page_script = (PUBLIC / SERVED["/api/v1/uploader-ui.js"]).read_text()
    assert re.findall(r'^import .* from "([^"]+)";$', page_script, re.MULTILINE) == [
        "./uploader.js"
    ]


def test_openapi_documents_the_assets_as_get_only() -> None:
    paths = openapi_document()["paths"]
    for path in SERVED:
        assert set(paths[path]) == {"get"}, path
        assert paths[path]["get"]["security"] == []


def test_a_deploy_uploads_the_files_as_assets_and_no_module_for_them() -> None:
    bundle = dry_run()
    assert {f"/{file}" for file in SERVED.values()} <= bundle.assets
    assert bundle.ignored_assets == {"/_headers"}  # read by Cloudflare, never served
    assert not [m for m in bundle.modules if "uploader" in m], sorted(bundle.modules)
    # The Worker's own modules are Python only: no JS, HTML or CSS became a module (`rules`).
    own = {m for m in bundle.modules if not m.startswith("python_modules/")} - {"README.md"}
    assert own and all(m.endswith(".py") for m in own), sorted(own)
