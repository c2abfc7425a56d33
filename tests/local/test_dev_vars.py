"""`make dev` creates .dev.vars with an API key and signing keys: with them, wrangler dev mints
upload tokens and takes uploads out of the box (no 501 tokens_disabled)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.dev_vars import main, read
from tests.support.client import Client
from tests.support.server import start_wrangler_dev
from tests.support.tokens import path_of, post_json


def test_an_existing_file_keeps_its_key_and_gains_signing_keys(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    path.write_text("API_KEY=mine-" + "m" * 20)
    main(path)
    assert read(path)["API_KEY"] == "mine-" + "m" * 20
    text = path.read_text()
    assert text.count("SIGNING_KEYS=") == 1
    main(path)
    assert path.read_text() == text  # nothing added twice


def test_make_dev_vars_serve_tokens_on_wrangler_dev(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    main(path)
    key = read(path)["API_KEY"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    server = start_wrangler_dev({}, tmp_path / "state", extra_args=(f"--env-file={path}",))
    try:
        client = Client(server.url, key)
        grant = post_json(client, "/api/v1/uploads", {"key": "a.png", "content_type": "image/png"})
        assert grant.status == 201, grant.body
        kid = json.loads(read(path)["SIGNING_KEYS"])
        assert list(kid) == ["dev"]
        put = client.request("PUT", path_of(grant.json()["upload_url"]), body=b"\x89PNG")
        assert put.status == 201, put.body
    finally:
        server.stop()
