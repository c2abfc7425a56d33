"""Typed errors and retries, against a scripted transport (no server, no real sleeps)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from r2gate_client import (
    Client,
    Conflict,
    Forbidden,
    IntegrityError,
    InvalidRequest,
    NotFound,
    PreconditionFailed,
    R2gateError,
    RateLimited,
    Retrier,
    RetryPolicy,
    ServerError,
    TooLarge,
    TransportError,
    Unauthorized,
    UploadNotFound,
)
from r2gate_client.errors import error_from_response, parse_retry_after

from tests.support.pyclient import Scripted, error_reply

OK_HEAD = (200, {"Content-Length": "5", "ETag": '"abc"', "Content-Type": "text/plain"}, b"")
OBJECT = b'{"key":"a.txt","size":3,"etag":"e","content_type":"text/plain","uploaded":null}'


def client_with(transport: Scripted, sleeps: list[float], attempts: int = 5) -> Client:
    retrier = Retrier(RetryPolicy(attempts=attempts), sleep=sleeps.append, rand=lambda: 1.0)
    return Client("http://r2gate.test", api_key="k" * 20, transport=transport, retry=retrier)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "invalid_key", InvalidRequest),
        (401, "auth_invalid", Unauthorized),
        (403, "key_scope", Forbidden),
        (404, "not_found", NotFound),
        (404, "upload_not_found", UploadNotFound),
        (409, "conflict", Conflict),
        (412, "already_exists", PreconditionFailed),
        (413, "too_large", TooLarge),
        (429, "rate_limited", RateLimited),
        (502, "storage_error", ServerError),
    ],
)
def test_each_error_status_has_its_exception(status: int, code: str, kind: type) -> None:
    _, headers, body = error_reply(status, code)
    error = error_from_response(status, {k.lower(): v for k, v in headers.items()}, body)
    assert type(error) is kind
    assert (error.status, error.code, error.message) == (status, code, f"{code} happened")
    assert isinstance(error, R2gateError)


def test_precondition_failed_is_a_conflict_and_upload_not_found_a_not_found() -> None:
    assert issubclass(PreconditionFailed, Conflict)
    assert issubclass(UploadNotFound, NotFound)


def test_an_error_without_a_json_body_still_gets_a_code() -> None:
    error = error_from_response(404, {}, b"")
    assert isinstance(error, NotFound) and error.code == "not_found"
    assert isinstance(error_from_response(503, {}, b"<html>"), ServerError)


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Sat, 21 Nov 2026 08:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_connection_errors_and_5xx_are_retried_with_growing_backoff() -> None:
    transport = Scripted(
        TransportError("connection refused"),
        error_reply(503, "storage_error"),
        error_reply(502, "storage_error"),
        OK_HEAD,
    )
    sleeps: list[float] = []
    info = client_with(transport, sleeps).stat("a.txt")
    assert info.size == 5 and info.etag == "abc"
    assert len(transport.calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]  # base 0.5 s doubling (rand() = 1: the top of each range)


def test_jitter_keeps_each_delay_between_half_and_the_full_backoff() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    error = ServerError(503, "x", "y")
    assert policy.delay(2, error, lambda: 0.0) == 2.0
    assert policy.delay(2, error, lambda: 1.0) == 4.0
    assert policy.delay(10, error, lambda: 1.0) == 8.0  # capped


def test_429_honours_retry_after() -> None:
    transport = Scripted(error_reply(429, "rate_limited", **{"Retry-After": "3"}), OK_HEAD)
    sleeps: list[float] = []
    client_with(transport, sleeps).stat("a.txt")
    assert sleeps == [3.0]


def test_a_put_is_retried_with_its_whole_body_again(tmp_path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    transport = Scripted(
        error_reply(429, "rate_limited", **{"Retry-After": "1"}), (201, {}, OBJECT)
    )
    sleeps: list[float] = []
    result = client_with(transport, sleeps).upload(path, "a.txt")
    assert result.size == 3 and sleeps == [1.0]
    assert [call[2]["Content-Length"] for call in transport.calls] == ["3", "3"]


def test_client_errors_are_not_retried() -> None:
    transport = Scripted(error_reply(403, "key_scope"))
    sleeps: list[float] = []
    with pytest.raises(Forbidden) as caught:
        client_with(transport, sleeps).delete("a.txt")
    assert caught.value.code == "key_scope"
    assert len(transport.calls) == 1 and sleeps == []


def test_501_is_not_retried() -> None:
    transport = Scripted(error_reply(501, "not_implemented"))
    with pytest.raises(ServerError):
        client_with(transport, []).stat("a.txt")
    assert len(transport.calls) == 1


def test_the_last_error_surfaces_when_attempts_run_out() -> None:
    transport = Scripted(*[TransportError("reset")] * 3)
    sleeps: list[float] = []
    with pytest.raises(TransportError):
        client_with(transport, sleeps, attempts=3).stat("a.txt")
    assert len(transport.calls) == 3 and len(sleeps) == 2


def test_requests_carry_the_credential_and_quote_the_key() -> None:
    transport = Scripted(OK_HEAD)
    client_with(transport, []).stat("models/a b#1.glb")
    method, url, headers = transport.calls[0]
    assert method == "HEAD"
    assert url == "http://r2gate.test/models/a%20b%231.glb"
    assert headers["Authorization"] == "Bearer " + "k" * 20


def test_an_invalid_key_fails_before_any_request() -> None:
    transport = Scripted()
    with pytest.raises(InvalidRequest) as caught:
        client_with(transport, []).stat("a//b")
    assert caught.value.code == "invalid_key" and transport.calls == []


def test_a_token_is_sent_as_bearer_and_never_shown_in_repr() -> None:
    transport = Scripted(OK_HEAD)
    client = Client("http://r2gate.test/", token="t.o.k", transport=transport)
    client.stat("a.txt")
    assert transport.calls[0][2]["Authorization"] == "Bearer t.o.k"
    assert "t.o.k" not in repr(client)


def test_api_key_and_token_together_are_refused() -> None:
    with pytest.raises(ValueError):
        Client("http://r2gate.test", api_key="a" * 20, token="t.o.k")


def test_upload_of_an_unseekable_stream_is_refused() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

    with pytest.raises(ValueError):
        Client("http://r2gate.test", transport=Scripted()).upload(Pipe(), "a.bin")


class BreaksAfter(io.BytesIO):
    """A response body that drops the connection after `limit` bytes."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data[:limit])

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if not chunk:
            raise TransportError("connection reset")
        return chunk


def test_a_download_cut_off_mid_body_continues_with_range_and_if_range(tmp_path) -> None:
    data = b"0123456789"
    etag = '"781e5e245d69b566979b86e28d23f2c7"'  # MD5 of data: R2's etag for a single PUT
    transport = Scripted(
        (200, {"ETag": etag, "Content-Length": "10"}, BreaksAfter(data, 4)),
        (206, {"ETag": etag, "Content-Range": "bytes 4-9/10", "Content-Length": "6"}, data[4:]),
    )
    sleeps: list[float] = []
    result = client_with(transport, sleeps).download("a.bin", tmp_path / "a.bin")
    assert (tmp_path / "a.bin").read_bytes() == data
    assert result.resumed and result.bytes_received == 10 and len(sleeps) == 1
    assert transport.calls[1][2]["Range"] == "bytes=4-"
    assert transport.calls[1][2]["If-Range"] == etag


def test_a_206_for_another_version_restarts_the_download(tmp_path) -> None:
    data = b"0123456789"
    old, new = '"0"', '"781e5e245d69b566979b86e28d23f2c7"'
    transport = Scripted(
        (200, {"ETag": old, "Content-Length": "10"}, BreaksAfter(b"abcdefghij", 4)),
        (206, {"ETag": new, "Content-Range": "bytes 4-9/10", "Content-Length": "6"}, data[4:]),
        (200, {"ETag": new, "Content-Length": "10"}, data),
    )
    result = client_with(transport, []).download("a.bin", tmp_path / "a.bin")
    assert (tmp_path / "a.bin").read_bytes() == data and not result.resumed
    assert "Range" not in transport.calls[2][2]


def test_bytes_that_do_not_match_the_md5_etag_are_refused(tmp_path) -> None:
    transport = Scripted(
        (200, {"ETag": '"781e5e245d69b566979b86e28d23f2c7"', "Content-Length": "10"}, b"x" * 10)
    )
    with pytest.raises(IntegrityError):
        client_with(transport, []).download("a.bin", tmp_path / "a.bin")
    assert list(tmp_path.iterdir()) == []
