// The JS anchor of `make bench`: the same R2 reads and writes as r2gate, done the way a good JS
// Worker does them.
// GET/HEAD /<key>: the edge cache first (caches.default.match answers Range and If-None-Match
// from a cached 200), unless the request says `Cache-Control: no-cache`; then R2, which
// evaluates the conditional and range headers itself (onlyIf and range given the request's
// Headers; a HEAD without them is R2's head); its HTTP metadata and httpEtag go on the
// response; 304 when a precondition failed (R2 then returns no body); 416 for a range that starts past the end (R2 ignores such a range
// and returns the whole object); a full 200 is put into the edge cache. Several ranges are
// answered as multipart/byteranges: the size and etag from a head, then each range read from R2
// pinned to that etag and streamed into one FixedLengthStream.
// PUT /<key>: the request body streamed into R2, the key's edge cache entry evicted in the
// background (as r2gate does, so a GET after a PUT never answers from the old copy); with
// `?report`, a head first tells 201 Created from 200 (RFC 9110 9.3.4), as r2gate's API-key PUT.
// Then, as r2gate does, the upload's event goes to the Queue (EVENTS) as one JSON message
// (skipped with `?noevent`: bench/events.py measures what the send costs JS).
// GET /?list=<prefix>: one R2 list of up to 1,000 keys as an S3 ListObjectsV2 document.
// POST /?delete: an S3 Delete document's keys deleted with one R2 delete, their edge cache
// entries evicted and their events sent (as r2gate does), and the DeleteResult.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method === "GET" && url.searchParams.has("list")) {
      return listObjects(env, url.searchParams.get("list"));
    }
    if (request.method === "POST" && url.searchParams.has("delete")) {
      return deleteObjects(env, ctx, url.origin, await request.text());
    }
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (key === "") return new Response("anchor");
    if (request.method === "PUT") {
      const url = new URL(request.url);
      const existed = url.searchParams.has("report") && (await env.BUCKET.head(key)) !== null;
      const object = await env.BUCKET.put(key, request.body);
      ctx.waitUntil(caches.default.delete(`${url.origin}/${key}`));
      if (env.EVENTS && !url.searchParams.has("noevent")) {
        const uploaded = object.uploaded.toISOString();
        const event = {
          id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
          type: "object.created",
          timestamp: uploaded,
          data: {
            key, size: object.size, etag: object.etag, uploaded,
            content_type: request.headers.get("content-type"), metadata: {},
            actor: { owner: "jti:bench", kind: "token", jti: "bench", sub: null },
          },
        };
        const body = JSON.stringify({ to: "index", url: null, event });
        await env.EVENTS.send(body, { contentType: "text" });
      }
      const status = existed ? 200 : 201;
      return Response.json({ key, size: object.size, etag: object.etag }, { status });
    }
    const cacheable = !/no-cache/i.test(request.headers.get("cache-control") ?? "");
    if (cacheable && request.method === "GET") {
      const cached = await caches.default.match(request);
      if (cached) return cached;
    }
    const range = request.headers.get("range");
    const ranges = parseRanges(range);
    if (request.method === "GET" && ranges.length > 1) {
      return multipart(env, ctx, key, ranges);
    }
    const plainHead = request.method === "HEAD" &&
      ![...request.headers.keys()].some((name) => name === "range" || name.startsWith("if-"));
    const object = plainHead
      ? await env.BUCKET.head(key)
      : await env.BUCKET.get(key, { onlyIf: request.headers, range: request.headers });
    if (object === null) return new Response("not found", { status: 404 });
    const headers = new Headers();
    object.writeHttpMetadata(headers);
    headers.set("etag", object.httpEtag);
    if (!plainHead && !("body" in object)) return new Response(null, { status: 304, headers });
    if (ranges.length === 1 && ranges[0][0] >= object.size) {
      headers.set("content-range", `bytes */${object.size}`);
      return new Response(null, { status: 416, headers });
    }
    let status = 200;
    if (range !== null && object.range) {
      const { offset, length } = object.range;
      headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
      status = 206;
    }
    const response = new Response(request.method === "HEAD" ? null : object.body, {
      status,
      headers,
    });
    if (cacheable && status === 200 && request.method === "GET") {
      ctx.waitUntil(caches.default.put(request, response.clone()));
    }
    return response;
  },
};

function parseRanges(header) {
  const match = /^bytes=(.+)$/.exec(header ?? "");
  if (!match) return [];
  return match[1].split(",").map((spec) => {
    const [first, last] = spec.trim().split("-");
    return [Number(first), last === "" ? Infinity : Number(last)];
  });
}

async function multipart(env, ctx, key, ranges) {
  const head = await env.BUCKET.head(key);
  if (head === null) return new Response("not found", { status: 404 });
  const type = head.httpMetadata?.contentType ?? "application/octet-stream";
  const boundary = `anchor-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const parts = ranges.map(([first, last]) => {
    const end = Math.min(last, head.size - 1);
    const preamble = `\r\n--${boundary}\r\nContent-Type: ${type}\r\n` +
      `Content-Range: bytes ${first}-${end}/${head.size}\r\n\r\n`;
    return { offset: first, length: end - first + 1, preamble: encoder.encode(preamble) };
  });
  const closing = encoder.encode(`\r\n--${boundary}--\r\n`);
  const total = parts.reduce((sum, part) => sum + part.preamble.length + part.length, 0) +
    closing.length;
  const { readable, writable } = new FixedLengthStream(total);
  const write = async (bytes) => {
    const writer = writable.getWriter();
    await writer.write(bytes);
    writer.releaseLock();
  };
  ctx.waitUntil((async () => {
    for (const part of parts) {
      await write(part.preamble);
      const object = await env.BUCKET.get(key, {
        range: { offset: part.offset, length: part.length },
        onlyIf: { etagMatches: head.etag },
      });
      await object.body.pipeTo(writable, { preventClose: true });
    }
    await write(closing);
    await writable.close();
  })());
  const headers = new Headers({
    "content-type": `multipart/byteranges; boundary=${boundary}`,
    etag: head.httpEtag,
  });
  return new Response(readable, { status: 206, headers });
}

const escapeXml = (text) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function listObjects(env, prefix) {
  const listed = await env.BUCKET.list({ prefix, limit: 1000 });
  const contents = listed.objects.map((object) =>
    `<Contents><Key>${escapeXml(object.key)}</Key>` +
    `<LastModified>${object.uploaded.toISOString()}</LastModified>` +
    `<ETag>${escapeXml(object.httpEtag)}</ETag><Size>${object.size}</Size>` +
    "<StorageClass>STANDARD</StorageClass></Contents>"
  ).join("");
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>r2gate-assets</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
    `<KeyCount>${listed.objects.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
    `<IsTruncated>${listed.truncated}</IsTruncated>${contents}</ListBucketResult>`;
  return new Response(body, { headers: { "content-type": "application/xml" } });
}

async function deleteObjects(env, ctx, origin, document) {
  const keys = [...document.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]);
  await env.BUCKET.delete(keys);
  for (const key of keys) ctx.waitUntil(caches.default.delete(`${origin}/${key}`));
  if (env.EVENTS) { // one object.deleted event per key, in batches of 100, as r2gate sends them
    const deleted = new Date().toISOString();
    const messages = keys.map((key) => ({
      body: JSON.stringify({
        id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
        type: "object.deleted",
        timestamp: deleted,
        data: { key, deleted, actor: { owner: "s3:bench" } },
      }),
      contentType: "text",
    }));
    for (let start = 0; start < messages.length; start += 100) {
      ctx.waitUntil(env.EVENTS.sendBatch(messages.slice(start, start + 100)));
    }
  }
  const deleted = keys.map((key) => `<Deleted><Key>${key}</Key></Deleted>`).join("");
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleted}</DeleteResult>`;
  return new Response(body, { headers: { "content-type": "application/xml" } });
}
