"""The JS anchor's PUT in plain Python: the body streamed into R2, the key's edge cache entry
evicted in the background, with `?report` a head first (201 or 200), with `?options` the R2
options a token PUT of r2gate sends (the Content-Type as httpMetadata, create-only), a small
JSON answer."""

from urllib.parse import unquote, urlsplit

import js
from pyodide.ffi import jsnull, to_js
from workers import WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        request = request.js_object
        url = urlsplit(str(request.url))
        key = unquote(url.path[1:])
        bucket = getattr(self.env, "_env", self.env).BUCKET  # the JS binding, not the wrapper
        existed = "report" in url.query and await bucket.head(key) not in (None, jsnull)
        if "options" in url.query:
            options = {
                "httpMetadata": {"contentType": str(request.headers.get("content-type"))},
                "onlyIf": {"etagDoesNotMatch": "*"},
            }
            js_options = to_js(options, dict_converter=js.Object.fromEntries)
            stored = await bucket.put(key, request.body, js_options)
        else:
            stored = await bucket.put(key, request.body)
        self.ctx.waitUntil(js.caches.default.delete(f"{url.scheme}://{url.netloc}/{key}"))
        body = f'{{"key":"{key}","size":{stored.size},"etag":"{stored.etag}"}}'
        return js.Response.new(body, status=200 if existed else 201)
