"""Single-request operations on objects: PUT, HEAD, DELETE, list, mint an upload URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from .bodies import BodyFactory, Source
from .models import ListPage, ObjectInfo, UploadUrl
from .progress import ProgressTracker
from .session import Session


def put_object(
    session: Session,
    key: str,
    source: Source,
    content_type: str | None,
    tracker: ProgressTracker | None = None,
    cancel: threading.Event | None = None,
) -> ObjectInfo:
    """PUT /<key> with the whole source as the body (201 created, 200 replaced)."""
    headers = {"Content-Length": str(source.size)}
    if content_type:
        headers["Content-Type"] = content_type
    body = BodyFactory(source, 0, source.size, tracker, cancel)
    url = session.object_url(key)
    ok = False
    try:
        with session.request("PUT", url, headers, body, ok=(200, 201), cancel=cancel) as reply:
            data = reply.read()
        ok = True
    finally:
        body.close(ok)
    return ObjectInfo.from_json(json.loads(data))


def head_object(session: Session, key: str) -> ObjectInfo:
    """HEAD /<key>: the object's size, etag, type and Last-Modified."""
    with session.request("HEAD", session.object_url(key)) as reply:
        return ObjectInfo.from_headers(key, reply.headers)


def delete_object(session: Session, key: str) -> None:
    """DELETE /<key> (204 also when the key did not exist)."""
    session.request("DELETE", session.object_url(key), ok=(200, 204)).close()


def list_objects(
    session: Session,
    prefix: str = "",
    delimiter: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> ListPage:
    """One page of GET /api/v1/objects."""
    query: list[tuple[str, str | None]] = []
    if prefix:
        query.append(("prefix", prefix))
    if delimiter:
        query.append(("delimiter", delimiter))
    if cursor:
        query.append(("cursor", cursor))
    if limit is not None:
        query.append(("limit", str(limit)))
    return ListPage.from_json(session.json("GET", session.api_url("/api/v1/objects", query)))


def iter_pages(
    session: Session, prefix: str = "", delimiter: str | None = None, limit: int | None = None
) -> Iterator[ListPage]:
    """Every page, following the cursor until `truncated` is false."""
    cursor: str | None = None
    while True:
        page = list_objects(session, prefix, delimiter, cursor, limit)
        yield page
        if not page.truncated or not page.cursor:
            return
        cursor = page.cursor


def mint_upload_url(session: Session, fields: Mapping[str, Any]) -> UploadUrl:
    """POST /api/v1/uploads with the given members (None values left out)."""
    payload = {name: value for name, value in fields.items() if value is not None}
    data = session.json("POST", session.api_url("/api/v1/uploads"), payload, ok=(200, 201))
    return UploadUrl.from_json(data)
