"""`TusUpload`: the Durable Object that is one tus upload (docs/tus.md).

The Worker (handlers/tus.py) authenticates, asks the write policy and forwards each request
here with an operation in ``r2gate-tus-op``; this object holds the upload's state in its
SQLite storage and serializes its requests: a PATCH while another one runs is 423.

Bytes go to R2 in parts of the upload's one part size, whatever chunks the client sends:
the body is read with workerd's ``readAtLeast`` exactly up to the end of the part being filled
(one await per part), the bytes kept from earlier PATCHes (at most a part, in SQLite rows of at
most 1 MiB) are joined to it in a JS Blob, and the Blob goes to R2's ``uploadPart``. No byte
enters Python. What is left at the end of a PATCH, shorter than a part, is kept in SQLite for
the next one. An upload that ends under one part size is a single ``put``.

With ``Upload-Checksum``, nothing of the PATCH is recorded until its digest (workerd's
``crypto.DigestStream``) matches: a part R2 already received is not recorded and is written
again by the next PATCH. Without one, each full part is recorded once R2 has it, so an
interrupted PATCH resumes after its last full part.

An alarm at ``Upload-Expires`` aborts R2's multipart upload and deletes everything.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import js
from pyodide.ffi import JsException, to_js
from workers import DurableObject

from r2gate.errors import ApiError
from r2gate.tus import (
    ENDPOINT,
    OFFSET_TYPE,
    TUS_VERSION,
    UploadState,
    check_patch,
    parse_checksum,
    parse_length,
    parse_offset,
)
from r2gate.upload_records import Manifest, PartRecord
from r2gate.uploads import parse_content_length
from r2gate.write_policy import check_part, decide_completion

from . import storage
from .call import Call
from .config import js_env, settings_from_env
from .http import Incoming, Reply, error_response, json_response, stream_response
from .r2 import Bucket
from .streams import ChunkReader, Digests, blob, concatenated

OP_HEADER = "r2gate-tus-op"
INIT_HEADER = "r2gate-tus-init"
ROW_BYTES = 1024 * 1024  # SQLite rows of the kept bytes (a row holds at most 2 MB)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS upload (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT)",
    "CREATE TABLE IF NOT EXISTS parts (number INTEGER PRIMARY KEY, size INTEGER, etag TEXT)",
    "CREATE TABLE IF NOT EXISTS kept (seq INTEGER PRIMARY KEY AUTOINCREMENT, bytes BLOB)",
)


def _not_found() -> ApiError:
    return ApiError(404, "upload_not_found", "No such tus upload (it may have expired).")


def _tus(reply: Reply) -> Reply:
    reply.headers.setdefault("Tus-Resumable", TUS_VERSION)
    return reply


class TusUpload(DurableObject):
    """One tus upload: its state, its kept bytes, its lock and its expiry alarm."""

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        self._state_js = getattr(ctx, "_ctx", ctx)
        self._sql = self._state_js.storage.sql
        self._busy = False
        self._ready = False

    # --- storage -------------------------------------------------------------------------

    def _exec(self, query: str, *bindings: Any) -> Any:
        if not self._ready:
            for statement in _SCHEMA:
                self._sql.exec(statement)
            self._ready = True
        return self._sql.exec(query, *bindings)

    def _load(self) -> UploadState | None:
        """The state, or None; reading never creates tables (an object of an id the Worker
        did not make keeps no storage)."""
        if not self._ready:
            found = self._sql.exec(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'upload'"
            ).toArray()
            if not found.length:
                return None
        rows = self._exec("SELECT state FROM upload WHERE id = 1").toArray()
        return UploadState.from_json(str(rows[0].state)) if rows.length else None

    def _save(self, state: UploadState) -> None:
        self._exec("INSERT OR REPLACE INTO upload (id, state) VALUES (1, ?)", state.to_json())

    def _records(self) -> dict[int, PartRecord]:
        rows = self._exec("SELECT number, size, etag FROM parts ORDER BY number").toArray()
        return {
            int(row.number): PartRecord(int(row.number), int(row.size), str(row.etag))
            for row in rows
        }

    def _kept(self) -> list[Any]:
        """The bytes kept for the next part: JS ArrayBuffers, in order."""
        rows = self._exec("SELECT bytes FROM kept ORDER BY seq").toArray()
        return [row.bytes for row in rows]

    def _keep(self, view: Any) -> None:
        size = int(view.byteLength)
        for start in range(0, size, ROW_BYTES):
            piece = view.slice(start, min(size, start + ROW_BYTES))
            self._exec("INSERT INTO kept (bytes) VALUES (?)", piece.buffer)

    async def _forget(self) -> None:
        await self._state_js.storage.deleteAll()
        self._ready = False

    # --- requests ------------------------------------------------------------------------

    async def fetch(self, request: Any) -> Any:
        incoming = Incoming(request)
        env = js_env(self.env)
        try:
            call = Call(incoming, env, _AWAITED, settings_from_env(env))
            reply = await self._handle(call, incoming.headers.get(OP_HEADER, ""))
        except ApiError as error:
            reply = error_response(error)
        except Exception:
            print(f"r2gate: tus upload failed\n{traceback.format_exc()}")
            reply = error_response(ApiError(500, "internal_error", "An unexpected error occurred."))
        return _tus(reply).to_js()

    async def _handle(self, call: Call, op: str) -> Reply:
        if op == "create":
            return await self._locked(call, self._create)
        state = self._load()
        if state is None:
            raise _not_found()
        if call.now() >= state.expires:
            await self._clean(call, state)
            raise _not_found()
        if op == "head":
            return stream_response(None, 200, state.head_headers())
        if op == "patch":
            return await self._locked(call, self._patch)
        if op == "delete":
            return await self._locked(call, self._delete)
        if op == "describe":
            return json_response(json.loads(state.to_json()), 200)
        if op == "consume":
            await self._clean(call, state)
            return stream_response(None, 204, {})
        raise _not_found()

    async def _locked(self, call: Call, handler: Any) -> Reply:
        if self._busy:
            raise ApiError(
                423, "upload_locked", "Another request is writing this upload; retry after it."
            )
        self._busy = True
        try:
            reply: Reply = await handler(call)
            return reply
        finally:
            self._busy = False

    async def _create(self, call: Call) -> Reply:
        if self._load() is not None:
            raise ApiError(409, "upload_exists", "This upload exists already.")
        init = json.loads(call.incoming.headers.get(INIT_HEADER, "{}"))
        upload_id = init.pop("id")
        state = UploadState.from_json(json.dumps(init))
        if state.final:
            state = await self._concatenate(call, state)
        else:
            incoming = call.incoming
            with_body = incoming.has_body and incoming.headers.get("content-length", "0") != "0"
            if with_body:  # creation-with-upload: refused before anything is kept
                _offset_type(incoming.headers)
                state = check_patch(state, 0, _declared(incoming.headers), None)
            self._save(state)
            await self._state_js.storage.setAlarm(state.expires * 1000)
            if with_body:
                state = await self._receive(call, state, incoming.body, None)
            elif state.whole:
                state = await self._finish(call, state, [])
        location = f"{_origin(call.incoming.url)}{ENDPOINT}/{upload_id}"
        headers = {**state.head_headers(), "Location": location}
        return stream_response(None, 201, headers)

    async def _patch(self, call: Call) -> Reply:
        headers = call.incoming.headers
        _offset_type(headers)
        state = self._load()
        assert state is not None
        offset = parse_offset(headers)
        declared = _declared(headers)
        new_length = parse_length(headers.get("upload-length"), "Upload-Length")
        state = check_patch(state, offset, declared, new_length)
        checksum = parse_checksum(headers.get("upload-checksum"))
        if state.completed:
            return stream_response(None, 204, state.head_headers())
        body = call.incoming.body if call.incoming.has_body else None
        state = await self._receive(call, state, body, checksum)
        return stream_response(None, 204, state.head_headers())

    async def _delete(self, call: Call) -> Reply:
        state = self._load()
        assert state is not None
        await self._clean(call, state)
        return stream_response(None, 204, {})

    async def alarm(self, *_args: Any) -> None:
        """Upload-Expires passed: abort R2's upload, delete what is kept."""
        with contextlib.suppress(Exception):
            state = self._load()
            if state is not None:
                await _abort(Bucket(js_env(self.env).BUCKET), state)
        await self._forget()

    async def _clean(self, call: Call, state: UploadState) -> None:
        await _abort(call.bucket, state)
        await self._forget()

    # --- bytes ---------------------------------------------------------------------------

    async def _receive(
        self, call: Call, state: UploadState, body: Any, checksum: Any
    ) -> UploadState:
        """Read `body` into parts (see the module's docstring); the state after it."""
        deferred = checksum is not None  # record nothing before the digest matches
        digests = Digests([checksum.digest_name]) if checksum is not None else None
        reader = ChunkReader(body) if body is not None else None
        pending: list[PartRecord] = []
        last: list[Any] | None = None  # the pieces of the upload's last part, held back
        tail: Any = None
        try:
            while reader is not None:
                need = state.need()
                if need == 0:
                    break
                view = await reader.read(need)
                if view is None:
                    break
                if digests is not None:
                    await digests.write(view)
                got = int(view.byteLength)
                if got < need:
                    tail = view
                    state = state.after_tail(got)
                    continue
                pieces = [*self._kept(), view] if state.buffered else [view]
                size = state.buffered + got
                if state.length is not None and state.offset + got == state.length:
                    last = pieces
                    state = state.after_tail(got)
                    break
                state = await self._upload_part(call, state, pieces, size, pending, deferred)
            if reader is not None and state.whole and await reader.read(1) is not None:
                raise ApiError(
                    413,
                    "upload_length_exceeded",
                    f"The body goes past the upload's Upload-Length of {state.length}.",
                )
        except ApiError:
            if reader is not None:
                await reader.cancel()
            raise
        if digests is not None and checksum is not None:
            (digest,) = await digests.finish()
            if not hmac.compare_digest(digest, checksum.digest):
                raise ApiError(
                    460, "checksum_mismatch", "The body does not match its Upload-Checksum."
                )
            for record in pending:
                self._record(record)
        if last is not None:
            return await self._finish(call, state, last)
        if tail is not None:
            self._keep(tail)
        self._save(state)
        if state.whole:
            return await self._finish(call, state, self._kept())
        return state

    def _record(self, record: PartRecord) -> None:
        self._exec(
            "INSERT OR REPLACE INTO parts (number, size, etag) VALUES (?, ?, ?)",
            record.part_number,
            record.size,
            record.etag,
        )
        self._exec("DELETE FROM kept")

    async def _upload_part(
        self,
        call: Call,
        state: UploadState,
        pieces: Sequence[Any],
        size: int,
        pending: list[PartRecord],
        deferred: bool,
    ) -> UploadState:
        """One full part to R2: recorded at once, or (`deferred`) once the digest matches."""
        if state.r2_upload_id is None:
            upload = await call.bucket.create_multipart_upload(state.key, dict(state.options))
            state = replace(state, r2_upload_id=str(upload.uploadId))
            stored = self._load() or state  # only the id is new: nothing else is recorded yet
            self._save(replace(stored, r2_upload_id=state.r2_upload_id))
        number = state.parts + 1
        check_part(_manifest(state), None, number, size)
        assert state.r2_upload_id is not None
        r2_upload = call.bucket.upload(state.key, state.r2_upload_id)
        part = await r2_upload.upload_part(number, _joined(pieces))
        record = PartRecord(number, size, str(part.etag))
        state = state.after_part(size)
        if deferred:
            pending.append(record)
        else:
            self._record(record)
            self._save(state)
        return state

    async def _finish(self, call: Call, state: UploadState, pieces: Sequence[Any]) -> UploadState:
        """The last bytes arrived: one put, or the last part and R2's completion; then the
        upload is completed (its state stays until it expires, for HEAD)."""
        assert state.length is not None
        records = self._records()
        size = state.length - sum(record.size for record in records.values())
        manifest = _manifest(state)
        if state.r2_upload_id is None:
            records = {1: PartRecord(1, size, "put")}
            plan = decide_completion(manifest, None, records, [(1, "put")], {})
            await storage.complete_as_put(call, manifest, plan, _joined(pieces), state.options)
        else:
            if size or not records:
                number = state.parts + 1
                check_part(manifest, None, number, size)
                upload = call.bucket.upload(state.key, state.r2_upload_id)
                part = await upload.upload_part(number, _joined(pieces))
                records[number] = PartRecord(number, size, str(part.etag))
            requested = [(n, records[n].etag) for n in sorted(records)]
            plan = decide_completion(manifest, None, records, requested, {})
            await storage.complete_upload(call, manifest, plan)
        done = _completed(state)
        self._exec("DELETE FROM kept")
        self._exec("DELETE FROM parts")
        self._save(done)
        return done

    async def _concatenate(self, call: Call, state: UploadState) -> UploadState:
        """A final upload: the partial uploads' bytes (their staging objects, in order) copied
        into the final object through the same parts; then the partial uploads are gone."""
        namespace = call.env.TUS
        partials = []
        for upload_id in state.final:
            stub = namespace.get(namespace.idFromString(upload_id))
            found = await _ask(stub, call.incoming.url, "describe")
            if found is None:
                raise ApiError(
                    400, "invalid_upload_concat", "A partial upload of Upload-Concat is gone."
                )
            partial = UploadState.from_json(found)
            same_owner = hmac.compare_digest(partial.owner.encode(), state.owner.encode())
            same_key = hmac.compare_digest(partial.target.encode(), state.target.encode())
            if not (partial.partial and partial.completed and same_owner and same_key):
                raise ApiError(
                    400,
                    "invalid_upload_concat",
                    "Upload-Concat must name finished partial uploads of this caller and key.",
                )
            partials.append((stub, partial))
        total = sum(partial.length or 0 for _, partial in partials)
        if state.length is not None and state.length != total:
            raise ApiError(
                400, "invalid_upload_length", "Upload-Length differs from the partial uploads'."
            )
        state = replace(state, length=total)
        self._save(state)
        await self._state_js.storage.setAlarm(state.expires * 1000)
        bodies = []
        for _, partial in partials:
            found_object = await call.bucket.get(partial.key)
            if found_object is None:
                raise ApiError(400, "invalid_upload_concat", "A partial upload's bytes are gone.")
            bodies.append(found_object.body)
        if total == 0:
            state = await self._finish(call, state, [])
        else:
            # The pipe is awaited through the read itself (_ObjectContext).
            stream = concatenated(bodies, None, total, _AWAITED)
            state = await self._receive(call, state, stream, None)
        for stub, _ in partials:
            await _ask(stub, call.incoming.url, "consume")
        return state


class _ObjectContext:
    """The ctx of r2gate's code running in this Durable Object (its `Call`'s): the
    background work that code hands to ``waitUntil`` (edge cache evictions, upload events,
    a concatenation's pipe) needs nothing more here. A Durable Object's own waitUntil has no
    effect (its promises run while it lives), and the SDK's patched one wraps a JS promise
    in a Python awaitable that JS reads only after Pyodide has destroyed it ("borrowed
    proxy" errors, seen with the upload events of a tus completion)."""

    def waitUntil(self, promise: Any, *_passed: Any) -> None:  # noqa: N802 (the JS name)
        """Nothing to do: the promise runs (`forEach` also passes an index and the array)."""


_AWAITED = _ObjectContext()


def _declared(headers: Any) -> int | None:
    """The body's Content-Length, None when it is not declared (chunked)."""
    return parse_content_length(headers) if headers.get("content-length") is not None else None


def _offset_type(headers: Any) -> None:
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != OFFSET_TYPE:
        raise ApiError(
            415, "unsupported_media_type", f"A tus PATCH body is 'Content-Type: {OFFSET_TYPE}'."
        )


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _joined(pieces: Sequence[Any]) -> Any:
    return pieces[0] if len(pieces) == 1 else blob(pieces)


def _manifest(state: UploadState) -> Manifest:
    """The upload as the write policy sees a multipart upload's record."""
    return Manifest(
        upload_id="0" * 32,
        key=state.key,
        r2_upload_id=state.r2_upload_id or "-",
        owner=state.owner,
        part_size=state.part_size,
        created=state.created,
        expires=state.expires,
        content_type=state.content_type,
        max_bytes=state.max_bytes,
        exact_length=state.exact_length,
        overwrite=state.overwrite,
    )


def _completed(state: UploadState) -> UploadState:
    return replace(state, completed=True, parts=0, buffered=0, offset=state.length or 0)


async def _abort(bucket: Bucket, state: UploadState) -> None:
    """R2's upload aborted (unless completed), a partial upload's staging object deleted."""
    if state.r2_upload_id is not None and not state.completed:
        with contextlib.suppress(ApiError):
            await bucket.upload(state.key, state.r2_upload_id).abort()
    if state.partial:
        with contextlib.suppress(ApiError):
            await bucket.delete(state.key)


async def _ask(stub: Any, url: str, op: str) -> str | None:
    """Another upload's answer to an internal operation: its body, or None for a 404."""
    init = to_js(
        {"method": "POST", "headers": {OP_HEADER: op}}, dict_converter=js.Object.fromEntries
    )
    try:
        response = await stub.fetch(url, init)
    except JsException:
        return None
    if int(response.status) >= 300:
        return None
    return str(await response.text())
