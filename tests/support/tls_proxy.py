"""A local TLS endpoint in front of a test server, so clients take their HTTPS code paths.

boto3 sends uploads as aws-chunked with a trailing checksum (STREAMING-UNSIGNED-PAYLOAD-
TRAILER) only over HTTPS. The proxy terminates TLS with a throw-away self-signed certificate
(made by the `openssl` command) and relays the bytes unchanged to the server, so the Worker
receives exactly what the client sent (the Host header included, which SigV4 signs).

    with TlsProxy(upstream_port, workdir) as proxy:
        boto3.client("s3", endpoint_url=f"{proxy.url}/api/s3", verify=proxy.certificate)
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from types import TracebackType


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), valid for a day."""
    cert, key = directory / "proxy-cert.pem", directory / "proxy-key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _relay(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(1 << 16):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class TlsProxy:
    """TLS on a free local port, relayed to ``127.0.0.1:upstream_port``."""

    def __init__(self, upstream_port: int, directory: Path) -> None:
        self.certificate, key = make_certificate(directory)
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(self.certificate, key)
        self._upstream = upstream_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._open = True

    def _serve(self) -> None:
        while self._open:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(client,), daemon=True).start()

    def _connection(self, client: socket.socket) -> None:
        try:
            secure = self._context.wrap_socket(client, server_side=True)
        except (OSError, ssl.SSLError):
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self._upstream))
        threading.Thread(target=_relay, args=(upstream, secure), daemon=True).start()
        _relay(secure, upstream)

    def __enter__(self) -> TlsProxy:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._open = False
        self._listener.close()
