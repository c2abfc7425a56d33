"""A request refused before its body is read still gets its answer, not a dropped connection.

Without the drain (r2gate.unread_bodies), about a third of these came back through
`wrangler dev` as a 500 "Network connection lost" or a reset instead of r2gate's JSON error.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.client import Client

MIB = 1024 * 1024


def answers(client: Client, send: object, count: int) -> dict[object, int]:
    """Run `send(i)` `count` times, three at a time; count the outcomes (status, code) or the
    exception's name when no answer came."""

    def outcome(i: int) -> object:
        try:
            reply = send(i)  # type: ignore[operator]
        except OSError as error:
            return type(error).__name__
        return (reply.status, reply.error_code)

    tally: dict[object, int] = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for result in pool.map(outcome, range(count)):
            tally[result] = tally.get(result, 0) + 1
    return tally


def test_uploads_refused_on_their_headers_get_their_error(client: Client, prefix: str) -> None:
    def send(i: int) -> object:
        size = MIB // (1 + i % 3)  # 1 MiB, 512 KiB, 341 KiB
        return client.request("PUT", f"/{prefix}{i}.bin", body=bytes(size))  # no credentials

    assert answers(client, send, 45) == {(401, "auth_required"): 45}


def test_a_refused_json_request_gets_its_error(client: Client, prefix: str) -> None:
    def send(i: int) -> object:
        body = b'{"key": "' + b"a" * (MIB - 20) + b'"}'
        return client.request(
            "POST", "/api/v1/uploads", body=body, headers={"Content-Type": "application/json"}
        )

    assert answers(client, send, 30) == {(401, "auth_required"): 30}
