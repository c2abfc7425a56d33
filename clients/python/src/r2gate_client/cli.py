"""`r2gate`: upload, download, rm, ls, stat and token from the command line (docs/client.md).

Configuration: --url / R2GATE_URL and --api-key / R2GATE_API_KEY or --token / R2GATE_TOKEN.
Exit codes: see EXIT_CODES (0 ok ... 8 interrupted).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, TextIO

from . import (
    Client,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    ObjectInfo,
    ProgressBar,
    R2gateError,
    RetryPolicy,
    TooLarge,
    TransportError,
    Unauthorized,
    __version__,
)
from .download import partial_paths
from .progress import ProgressCallback, format_bytes
from .state import default_state_dir

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_NOT_FOUND = 2
EXIT_AUTH = 3
EXIT_CONFLICT = 4
EXIT_TOO_LARGE = 5
EXIT_TRANSPORT = 6
EXIT_SERVER = 7
EXIT_INTERRUPTED = 8
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_USAGE: "usage error, invalid request (400) or a local file problem",
    EXIT_NOT_FOUND: "no such object (404)",
    EXIT_AUTH: "missing, wrong or insufficient credentials (401, 403)",
    EXIT_CONFLICT: "conflict or failed precondition (409, 412: e.g. the key exists)",
    EXIT_TOO_LARGE: "too large (413)",
    EXIT_TRANSPORT: "network error, or the download did not verify",
    EXIT_SERVER: "server error (5xx) or still rate limited (429) after retries",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); upload state / partial download kept: rerun",
}
_SIZE = re.compile(r"(\d+)\s*([kmg]i?b?)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class UsageError(Exception):
    """A command line that cannot run (exit 1)."""


def parse_size(text: str) -> int:
    """`67108864`, `64M`, `64MiB` (binary) or `64MB` (decimal) -> bytes."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    number, unit = int(match.group(1)), (match.group(2) or "").lower()
    if unit.endswith("b") and not unit.endswith("ib") and len(unit) == 2:
        return number * int(1000 ** ("kmg".index(unit[0]) + 1))
    return number * _UNITS[unit[:1]]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    add = common.add_argument
    add("--url", default=argparse.SUPPRESS, help="server URL (env R2GATE_URL)")
    add("--api-key", default=argparse.SUPPRESS, help="API key (env R2GATE_API_KEY)")
    add("--token", default=argparse.SUPPRESS, help="token (env R2GATE_TOKEN)")
    add("--json", action="store_true", default=argparse.SUPPRESS, help="JSON output on stdout")
    add(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    add("--timeout", type=float, default=argparse.SUPPRESS, help="seconds per socket operation")
    add(
        "--stats",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print this run's transfer counts (uploads, downloads: count, bytes, errors) "
        "as JSON on stderr",
    )
    add(
        "--retries",
        type=int,
        default=argparse.SUPPRESS,
        help="retries after network errors, 5xx and 429 (default 4)",
    )

    parser = _Parser(
        prog="r2gate",
        parents=[common],
        description="Command-line client for an r2gate server.",
        epilog="exit codes:\n" + "\n".join(f"  {c}  {m}" for c, m in EXIT_CODES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"r2gate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    up = commands.add_parser("upload", parents=[common], help="upload FILE to KEY")
    up.add_argument("file")
    up.add_argument("key")
    up.add_argument("--content-type", help="default: inferred by the server from the key")
    up.add_argument("--threshold", type=parse_size, help="multipart above this (default 64MiB)")
    up.add_argument("--part-size", type=parse_size, help="multipart part size (server default)")
    up.add_argument("--concurrency", type=int, help="parts in parallel (default 4)")
    up.add_argument("--restart", action="store_true", help="abort a saved upload, start over")

    down = commands.add_parser("download", parents=[common], help="download KEY to FILE")
    down.add_argument("key")
    down.add_argument("file")
    down.add_argument("--restart", action="store_true", help="ignore a partial download")
    down.add_argument("--no-verify", action="store_true", help="skip the MD5 check")

    rm = commands.add_parser("rm", parents=[common], help="delete KEY")
    rm.add_argument("key")

    ls = commands.add_parser("ls", parents=[common], help="list objects under PREFIX")
    ls.add_argument("prefix", nargs="?", default="")
    ls.add_argument("-r", "--recursive", action="store_true", help="no '/' grouping")

    stat = commands.add_parser("stat", parents=[common], help="size, etag, type of KEY")
    stat.add_argument("key")

    token = commands.add_parser("token", parents=[common], help="mint an upload URL for KEY")
    token.add_argument("key")
    token.add_argument("--content-type", help="default: inferred from the key")
    token.add_argument("--max-bytes", type=parse_size)
    token.add_argument("--expires-in", type=int, help="seconds")
    token.add_argument("--overwrite", action="store_true", help="may replace an existing object")
    return parser


def build_client(args: argparse.Namespace, environ: Mapping[str, str]) -> Client:
    """The Client the flags and environment describe (flags win over the environment)."""
    url = getattr(args, "url", None) or environ.get("R2GATE_URL")
    if not url:
        raise UsageError("no server URL: give --url or set R2GATE_URL")
    api_key = getattr(args, "api_key", None)
    token = getattr(args, "token", None)
    if api_key and token:
        raise UsageError("give --api-key or --token, not both")
    if not (api_key or token):
        api_key = environ.get("R2GATE_API_KEY") or None
        token = environ.get("R2GATE_TOKEN") or None
        if api_key and token:
            raise UsageError("set R2GATE_API_KEY or R2GATE_TOKEN, not both")
    options: dict[str, Any] = {"state_dir": default_state_dir(environ)}
    if getattr(args, "retries", None) is not None:
        options["retry"] = RetryPolicy(attempts=max(0, args.retries) + 1)
    if getattr(args, "timeout", None):
        options["timeout"] = args.timeout
    if getattr(args, "threshold", None) is not None:
        options["multipart_threshold"] = args.threshold
    if getattr(args, "part_size", None) is not None:
        options["part_size"] = args.part_size
    if getattr(args, "concurrency", None) is not None:
        options["concurrency"] = args.concurrency
    try:
        return Client(url, api_key=api_key, token=token, **options)
    except ValueError as error:
        raise UsageError(str(error)) from None


class Output:
    """Writes results for people or, with --json, for scripts."""

    def __init__(self, as_json: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.as_json = as_json
        self.stdout = stdout
        self.stderr = stderr

    def result(self, data: Any, text: str) -> None:
        if self.as_json:
            self.stdout.write(json.dumps(data, indent=None, sort_keys=True) + "\n")
        elif text:
            self.stdout.write(text + "\n")

    def error(self, code: int, status: int, error_code: str, message: str) -> int:
        if self.as_json:
            payload = {"error": {"status": status, "code": error_code, "message": message}}
            self.stdout.write(json.dumps({**payload, "exit_code": code}) + "\n")
        else:
            status_text = f"{status} " if status else ""
            self.stderr.write(f"r2gate: {status_text}{error_code}: {message}\n")
        return code


def exit_code(error: R2gateError) -> int:
    """The documented exit code for an error."""
    for kind, code in (
        (NotFound, EXIT_NOT_FOUND),
        (Unauthorized, EXIT_AUTH),
        (Forbidden, EXIT_AUTH),
        (Conflict, EXIT_CONFLICT),
        (TooLarge, EXIT_TOO_LARGE),
        (TransportError, EXIT_TRANSPORT),
        (InvalidRequest, EXIT_USAGE),
    ):
        if isinstance(error, kind):
            return code
    return EXIT_USAGE if error.status == 0 else EXIT_SERVER


def _progress_bar(
    args: argparse.Namespace, stderr: TextIO, label: str
) -> tuple[ProgressCallback | None, Callable[[], None]]:
    wanted = getattr(args, "progress", None)
    if wanted is None:
        wanted = stderr.isatty()
    if not wanted:
        return None, lambda: None
    bar = ProgressBar(stderr, label)
    return bar, bar.close


def _describe_upload(args: argparse.Namespace, data: dict[str, Any]) -> str:
    how = "single PUT"
    if data["multipart"]:
        how = f"multipart, {data['parts']} parts, {data['parts_sent']} sent"
        if data["resumed"]:
            how += ", resumed"
    size = format_bytes(data["size"])
    return f"uploaded {args.file} -> {data['key']} ({size}, {how}) etag {data['etag']}"


def _run(args: argparse.Namespace, client: Client, out: Output, stderr: TextIO) -> int:
    command = args.command
    if command == "upload":
        if args.key.endswith("/"):  # a folder: keep the file's name, as cp does
            args.key += os.path.basename(args.file)
        if args.restart:
            client.discard_upload_state(args.key, args.file)
        progress, close = _progress_bar(args, stderr, os.path.basename(args.file))
        try:
            result = client.upload(args.file, args.key, args.content_type, progress=progress)
        finally:
            close()
        out.result(result.to_dict(), _describe_upload(args, result.to_dict()))
    elif command == "download":
        if os.path.isdir(args.file):  # into a folder, under the key's last segment
            args.file = os.path.join(args.file, args.key.rsplit("/", 1)[-1])
        progress, close = _progress_bar(args, stderr, args.key.rsplit("/", 1)[-1])
        try:
            got = client.download(
                args.key,
                args.file,
                progress=progress,
                resume=not args.restart,
                verify=not args.no_verify,
            )
        finally:
            close()
        extra = ", resumed" if got.resumed else ""
        text = f"downloaded {got.key} -> {got.path} ({format_bytes(got.size)}{extra})"
        out.result(got.to_dict(), text)
    elif command == "rm":
        client.delete(args.key)
        out.result({"key": args.key, "deleted": True}, f"deleted {args.key}")
    elif command == "ls":
        _list(args, client, out)
    elif command == "stat":
        info = client.stat(args.key).to_dict()
        out.result(info, "\n".join(f"{name}: {value}" for name, value in info.items()))
    elif command == "token":
        url = client.mint_upload_url(
            args.key,
            content_type=args.content_type or _content_type(args.key),
            max_bytes=args.max_bytes,
            expires_in=args.expires_in,
            overwrite=True if args.overwrite else None,
        )
        out.result(url.to_dict(), url.upload_url)
    return EXIT_OK


def _content_type(key: str) -> str:
    """The media type for a key's extension (the standard library's table)."""
    return mimetypes.guess_type(key, strict=False)[0] or "application/octet-stream"


def _list(args: argparse.Namespace, client: Client, out: Output) -> None:
    delimiter = None if args.recursive else "/"
    objects: list[ObjectInfo] = []
    prefixes: list[str] = []
    for page in client.iter_pages(args.prefix, delimiter=delimiter):
        objects += page.objects
        prefixes += page.prefixes
    lines = [f"{'PRE':>12}  {'':19}  {prefix}" for prefix in prefixes]
    for info in objects:
        when = info.uploaded.strftime("%Y-%m-%d %H:%M:%S") if info.uploaded else ""
        lines.append(f"{info.size:>12}  {when:19}  {info.key}")
    data = {"objects": [info.to_dict() for info in objects], "prefixes": prefixes}
    out.result(data, "\n".join(lines))


def _interrupted(args: argparse.Namespace, client: Client | None, out: Output) -> int:
    message = "stopped by Ctrl-C"
    if client is not None and args.command == "upload":
        state = client.upload_state_path(args.key, args.file)
        if state.exists():
            message += f"; upload state saved in {state}: run the same command to resume"
    elif args.command == "download" and partial_paths(args.file)[0].exists():
        message += "; partial download kept: run the same command to resume"
    return out.error(EXIT_INTERRUPTED, 0, "interrupted", message)


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit code (the `r2gate` script exits with it)."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors
        return int(exit_.code or 0)
    out = Output(bool(getattr(args, "json", False)), stdout, stderr)
    client: Client | None = None
    try:
        client = build_client(args, os.environ if environ is None else environ)
        return _run(args, client, out, stderr)
    except UsageError as error:
        return out.error(EXIT_USAGE, 0, "usage", str(error))
    except R2gateError as error:
        return out.error(exit_code(error), error.status, error.code, error.message)
    except OSError as error:  # the local file: missing, unreadable, not writable
        return out.error(EXIT_USAGE, 0, "local_file", str(error))
    except KeyboardInterrupt:
        return _interrupted(args, client, out)
    finally:
        if client is not None and getattr(args, "stats", False):
            print(f"r2gate stats: {json.dumps(client.stats())}", file=stderr)


if __name__ == "__main__":
    sys.exit(main())
