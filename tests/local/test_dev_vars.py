"""`make dev`: the .dev.vars it creates, what it prints, and that it serves with them.

.dev.vars holds an API key, token signing keys and an S3 key pair, each readable the same way by
wrangler (dotenv), by `cut -d= -f2-` and by a shell (`set -a; . ./.dev.vars; set +a`). The
server test runs scripts/wrangler_dev.py as `make dev` does, on free ports and a throw-away
.dev.vars, and uses what it printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from r2gate.tokens import TokenConfig, mint_upload_token
from scripts.dev_output import CF_EXPLAINED, PROXY_HINT
from scripts.dev_vars import main, read
from tests.support.client import Client
from tests.support.server import ROOT, RunningServer, free_port, watch
from tests.support.target import SETTINGS, Target
from tests.support.tokens import path_of, post_json


def cut(path: Path) -> dict[str, str]:
    """Every NAME=value line as `grep ^NAME= | cut -d= -f2-` gives it back."""
    lines = path.read_text().splitlines()
    return {line.split("=", 1)[0]: line.split("=", 1)[1] for line in lines if "=" in line}


def sourced(path: Path, names: list[str]) -> dict[str, str]:
    """The values a POSIX shell has after `set -a; . <path>; set +a`."""
    script = f'set -a; . "{path}"; set +a; ' + " ".join(
        f'printf "%s\\0" "${name}";' for name in names
    )
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True)
    return dict(zip(names, done.stdout.split("\0")[:-1], strict=True))


def test_an_existing_file_keeps_its_key_and_gains_signing_keys(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    path.write_text("API_KEY=mine-" + "m" * 20)
    main(path)
    assert read(path)["API_KEY"] == "mine-" + "m" * 20
    text = path.read_text()
    assert text.count("SIGNING_KEYS=") == 1
    main(path)
    assert path.read_text() == text  # nothing added twice


def test_signing_keys_an_earlier_version_quoted_are_unquoted_with_the_same_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".dev.vars"
    secret = "an-earlier-dev-secret-0123456789abcdefghijklmnopqrstuvwxyz_-ABCD"
    path.write_text(f"API_KEY={'a' * 40}\nSIGNING_KEYS='{json.dumps({'dev': secret})}'\n")
    main(path)
    assert cut(path)["SIGNING_KEYS"] == f"dev:{secret}"
    assert cut(path)["API_KEY"] == "a" * 40


def test_every_value_reads_the_same_with_cut_with_a_shell_and_as_a_setting(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".dev.vars"
    main(path)
    values = cut(path)
    assert set(values) == {"API_KEY", "SIGNING_KEYS", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"}
    assert sourced(path, list(values)) == values
    assert read(path) == values  # as dotenv reads them: no quotes to strip
    assert TokenConfig.from_json(values["SIGNING_KEYS"]).signing_kid == "dev"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.fixture(scope="module")
def make_dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunningServer, Path]:
    """scripts/wrangler_dev.py with make dev's arguments, a fresh .dev.vars, free ports."""
    tmp = tmp_path_factory.mktemp("make-dev")
    env_file = tmp / ".dev.vars"
    main(env_file)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "wrangler_dev.py"),
            *("--ip", "127.0.0.1", "--port", str(port), "--test-scheduled"),
            f"--inspector-port={free_port()}",
            f"--persist-to={tmp / 'state'}",
            f"--env-file={env_file}",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYODIDE_BUNDLE": "local", "HOME": str(tmp)},
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = watch(RunningServer(url=f"http://127.0.0.1:{port}", process=process))
    server.wait_for_log("─" * 78 + "\n", timeout=30)  # the block's closing rule
    yield server, env_file
    server.stop()


def test_make_dev_prints_one_block_with_everything_a_newcomer_copies(
    make_dev: tuple[RunningServer, Path],
) -> None:
    server, env_file = make_dev
    log = server.log()
    values = cut(env_file)
    block = log[log.index("r2gate is ready: ") :]
    for expected in (
        f"r2gate is ready: {server.url}",
        f"API key      {values['API_KEY']}",
        f"S3 endpoint  {server.url}/api/s3   bucket r2gate-assets   region auto",
        f"S3 key pair  {values['S3_ACCESS_KEY_ID']} / {values['S3_SECRET_ACCESS_KEY']}",
        f'cron         curl "{server.url}/cdn-cgi/local/scheduled?cron=17+*+*+*+*"',
        f"set -a; . {env_file}; set +a",
    ):
        assert expected in block
    assert "getaddrinfo" not in log and "GetAddrInfoReqWrap" not in log
    assert log.count(CF_EXPLAINED) <= 1  # offline: the one line; online: nothing at all
    assert len(log.splitlines()) < 60  # not the ~230 lines of wrangler's module table
    cron = re.search(r'curl "([^"]+)"', block)
    assert cron is not None and Client(cron.group(1)).get(path_of(cron.group(1))).status == 200


def test_what_make_dev_printed_and_wrote_works_on_it(
    make_dev: tuple[RunningServer, Path], tmp_path: Path
) -> None:
    server, env_file = make_dev
    values = cut(env_file)
    client = Client(server.url, values["API_KEY"])
    assert client.request("PUT", "/tour/a.bin", body=b"abc", auth=True).status == 201
    grant = post_json(client, "/api/v1/uploads", {"key": "a.png", "content_type": "image/png"})
    assert grant.status == 201, grant.body
    put = client.request("PUT", path_of(grant.json()["upload_url"]), body=b"\x89PNG")
    assert put.status == 201, put.body
    # A backend minting with the SIGNING_KEYS it cut out of .dev.vars: the Worker accepts it.
    mine = TokenConfig.from_json(values["SIGNING_KEYS"])
    token = mint_upload_token(mine, key="b.png", content_types="image/png", now=int(time.time()))
    assert client.request("PUT", f"/b.png?token={token}", body=b"\x89PNG").status == 201
    s3 = boto3.client(
        "s3",
        endpoint_url=f"{server.url}/api/s3",
        aws_access_key_id=values["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=values["S3_SECRET_ACCESS_KEY"],
        region_name="auto",
    )
    s3.put_object(Bucket="r2gate-assets", Key="tour/s3.txt", Body=b"s3")
    assert client.get("/tour/s3.txt").body == b"s3"


def test_make_devs_refusals_arrive_and_its_log_shows_no_credential(
    make_dev: tuple[RunningServer, Path],
) -> None:
    server, _ = make_dev
    client = Client(server.url)
    refused = client.request("PUT", "/big.bin", body=bytes(20_000_000))  # no credentials
    assert (refused.status, refused.error_code) == (401, "auth_required")
    # A body that stops short is the dev proxy's own 500; its log line names the URL.
    secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"
    client.put_short(f"/short.bin?token={secret}", 1000, b"x" * 10)
    log = server.wait_for_log(PROXY_HINT)
    assert "/short.bin?token=<redacted>" in log
    assert secret not in log


def test_the_http_suite_sees_that_make_dev_has_none_of_its_own_settings(
    make_dev: tuple[RunningServer, Path],
) -> None:
    """So `R2GATE_TEST_URL=<make dev> pytest tests/http` skips what needs them, never fails."""
    server, env_file = make_dev
    probed = Target(server.url, cut(env_file)["API_KEY"])
    assert {setting: probed.has(setting) for setting in SETTINGS} == dict.fromkeys(SETTINGS, False)
