// The JS anchor of `make bench`. GET/HEAD /<key>: R2 evaluates the conditional and range headers
// itself (onlyIf and range given the request's Headers); its HTTP metadata and httpEtag go on
// the response; 304 when a precondition failed (R2 then returns no body); 416 for a range that
// starts past the end (R2 ignores such a range and returns the whole object). PUT /<key>: the
// request body streamed into R2.
export default {
  async fetch(request, env) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (key === "") return new Response("anchor");
    if (request.method === "PUT") {
      const object = await env.BUCKET.put(key, request.body);
      return Response.json({ key, size: object.size, etag: object.etag }, { status: 201 });
    }
    const object = await env.BUCKET.get(key, { onlyIf: request.headers, range: request.headers });
    if (object === null) return new Response("not found", { status: 404 });
    const headers = new Headers();
    object.writeHttpMetadata(headers);
    headers.set("etag", object.httpEtag);
    if (!("body" in object)) return new Response(null, { status: 304, headers });
    const range = request.headers.get("range");
    const start = /^bytes=(\d+)-/.exec(range ?? "");
    if (start && Number(start[1]) >= object.size) {
      headers.set("content-range", `bytes */${object.size}`);
      return new Response(null, { status: 416, headers });
    }
    let status = 200;
    if (range !== null && object.range) {
      const { offset, length } = object.range;
      headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
      status = 206;
    }
    return new Response(request.method === "HEAD" ? null : object.body, { status, headers });
  },
};
