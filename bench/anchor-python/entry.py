"""The JS anchor's R2 work in plain Python, as plainly as it can be written: what any Python
Worker pays to do it is its cost over the JS anchor (bench rows "plain Python ...").

PUT: the body streamed into R2, the key's edge cache entry evicted in the background, with
`?report` a head first (201 or 200), with `?options` the R2 options a token PUT of r2gate
sends (the Content-Type as httpMetadata, create-only), a small JSON answer.
GET (the edge cache bypassed, as in the rows that use it): one R2 get given the request's
Headers as `onlyIf` and `range`, its HTTP metadata and httpEtag copied into the response in
JS, 304 when a precondition failed, 206 with Content-Range for the range R2 served."""

from urllib.parse import unquote, urlsplit

import js
from pyodide.ffi import jsnull, to_js
from workers import WorkerEntrypoint


def _js(value):
    return to_js(value, dict_converter=js.Object.fromEntries)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        request = request.js_object
        url = urlsplit(str(request.url))
        key = unquote(url.path[1:])
        bucket = getattr(self.env, "_env", self.env).BUCKET  # the JS binding, not the wrapper
        if str(request.method) == "GET":
            return await self.get(request, bucket, key)
        existed = "report" in url.query and await bucket.head(key) not in (None, jsnull)
        if "options" in url.query:
            options = {
                "httpMetadata": {"contentType": str(request.headers.get("content-type"))},
                "onlyIf": {"etagDoesNotMatch": "*"},
            }
            stored = await bucket.put(key, request.body, _js(options))
        else:
            stored = await bucket.put(key, request.body)
        self.ctx.waitUntil(js.caches.default.delete(f"{url.scheme}://{url.netloc}/{key}"))
        body = f'{{"key":"{key}","size":{stored.size},"etag":"{stored.etag}"}}'
        return js.Response.new(body, status=200 if existed else 201)

    async def get(self, request, bucket, key):
        options = _js({"onlyIf": request.headers, "range": request.headers})
        obj = await bucket.get(key, options)
        if obj is None or obj is jsnull:
            return js.Response.new("not found", status=404)
        headers = js.Headers.new()
        obj.writeHttpMetadata(headers)
        headers.set("etag", obj.httpEtag)
        body = getattr(obj, "body", None)
        if body is None or body is jsnull:
            return js.Response.new(None, _js({"status": 304, "headers": headers}))
        status = 200
        served = obj.range
        if request.headers.has("range") and served is not None and served is not jsnull:
            first, size = int(served.offset), int(obj.size)
            headers.set("content-range", f"bytes {first}-{first + int(served.length) - 1}/{size}")
            status = 206
        return js.Response.new(body, _js({"status": status, "headers": headers}))
