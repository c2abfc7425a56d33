"""`make dev`'s .dev.vars: created with an API key, signing keys and an S3 key pair, kept
afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from r2gate.settings import parse_settings
from scripts.dev_vars import main, read


def test_first_run_creates_an_api_key_signing_keys_and_an_s3_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / ".dev.vars"
    main(path)
    values = read(path)
    assert set(values) == {"API_KEY", "SIGNING_KEYS", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    settings = parse_settings({**values, "S3_BUCKET": "r2gate-assets"})  # they parse
    assert [c.name for c in settings.s3.keyring] == ["s3-default"]
    assert settings.tokens is not None and settings.tokens.signing_kid == "dev"
    printed = capsys.readouterr().out  # the values come in make dev's block, once it is ready
    assert printed == f"Created .dev.vars: {', '.join(values)}\n"
    assert path.stat().st_mode & 0o777 == 0o600
    main(path)
    assert read(path) == values  # never regenerated


def test_an_older_dev_vars_gets_the_s3_pair_added(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    path.write_text("# mine\nAPI_KEY=my-own-local-key-0123456789\n")
    main(path)
    values = read(path)
    assert values["API_KEY"] == "my-own-local-key-0123456789"
    assert values["S3_ACCESS_KEY_ID"].startswith("R2GATE")
    assert path.read_text().startswith("# mine\n")
