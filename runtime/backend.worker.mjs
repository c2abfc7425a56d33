// Runs inside Miniflare's workerd next to the real local R2 and Cache API. The offline
// runtime's R2Bucket and Cache classes (r2.mjs, cache.mjs) call it with one HTTP request per
// operation: bodies stream both ways and metadata travels as JSON, so no per-property round
// trips (Miniflare's binding proxy makes one per property read) and no buffering of uploads.

function meta(object) {
  if (!object) return null;
  const http = { ...object.httpMetadata };
  if (http.cacheExpiry) http.cacheExpiry = new Date(http.cacheExpiry).toISOString();
  return {
    key: object.key,
    version: object.version,
    size: object.size,
    etag: object.etag,
    httpEtag: object.httpEtag,
    checksums: object.checksums?.toJSON?.() ?? {},
    uploaded: object.uploaded.toISOString(),
    httpMetadata: http,
    customMetadata: { ...object.customMetadata },
    range: object.range ?? null,
    storageClass: object.storageClass,
  };
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

// onlyIf given as headers travels as {headers: [[name, value], ...]}.
function conditional(onlyIf) {
  if (onlyIf && Array.isArray(onlyIf.headers)) return new Headers(onlyIf.headers);
  if (onlyIf) {
    for (const field of ["uploadedBefore", "uploadedAfter"]) {
      if (onlyIf[field]) onlyIf[field] = new Date(onlyIf[field]);
    }
  }
  return onlyIf;
}

function putOptions(options = {}) {
  const result = { ...options };
  if (result.onlyIf) result.onlyIf = conditional(result.onlyIf);
  if (result.httpMetadata?.cacheExpiry) {
    result.httpMetadata = { ...result.httpMetadata, cacheExpiry: new Date(result.httpMetadata.cacheExpiry) };
  }
  return result;
}

// The request body with the length the caller declared (workerd needs a known length).
function sized(request, length) {
  if (length === null || length === undefined) return null;
  if (length === 0) return new Uint8Array(0);
  return request.body.pipeThrough(new FixedLengthStream(length));
}

async function r2(op, args, request, env) {
  const bucket = env[args.binding];
  switch (op) {
    case "head":
      return json({ object: meta(await bucket.head(args.key)) });
    case "get": {
      const options = { ...args.options };
      if (options.onlyIf) options.onlyIf = conditional(options.onlyIf);
      const object = await bucket.get(args.key, options);
      const described = JSON.stringify({ object: meta(object), body: !!object?.body });
      const headers = { "r2-meta": encodeURIComponent(described) };
      return new Response(object?.body ?? null, { headers });
    }
    case "put": {
      const value = args.value === "stream" ? sized(request, args.length) : args.value;
      return json({ object: meta(await bucket.put(args.key, value, putOptions(args.options))) });
    }
    case "delete":
      await bucket.delete(args.keys);
      return json({});
    case "list": {
      const page = await bucket.list(args.options);
      return json({
        objects: page.objects.map(meta),
        truncated: page.truncated,
        cursor: page.truncated ? page.cursor : undefined,
        delimitedPrefixes: page.delimitedPrefixes,
      });
    }
    case "createMultipartUpload": {
      const upload = await bucket.createMultipartUpload(args.key, putOptions(args.options));
      return json({ key: upload.key, uploadId: upload.uploadId });
    }
    case "uploadPart": {
      const upload = bucket.resumeMultipartUpload(args.key, args.uploadId);
      const value = args.value === "stream" ? sized(request, args.length) : args.value;
      return json(await upload.uploadPart(args.partNumber, value, args.options));
    }
    case "complete": {
      const upload = bucket.resumeMultipartUpload(args.key, args.uploadId);
      return json({ object: meta(await upload.complete(args.parts)) });
    }
    case "abort":
      await bucket.resumeMultipartUpload(args.key, args.uploadId).abort();
      return json({});
    default:
      return json({ error: `unknown R2 operation ${op}` }, 400);
  }
}

async function cache(op, args, request) {
  const store = args.name ? await caches.open(args.name) : caches.default;
  const target = new Request(args.url, { headers: args.headers ?? [] });
  switch (op) {
    case "match": {
      const found = await store.match(target, args.options);
      if (!found) return new Response(null, { status: 204, headers: { "cache-miss": "1" } });
      return found;
    }
    case "put": {
      const response = new Response(request.body, { status: args.status, headers: args.headers });
      await store.put(args.url, response);
      return json({});
    }
    case "delete":
      return json({ deleted: await store.delete(target, args.options) });
    default:
      return json({ error: `unknown cache operation ${op}` }, 400);
  }
}

export default {
  async fetch(request, env) {
    const [, kind, op] = new URL(request.url).pathname.split("/");
    const args = JSON.parse(decodeURIComponent(request.headers.get("r2gate-args") ?? "{}"));
    try {
      if (kind === "r2") return await r2(op, args, request, env);
      if (kind === "cache") return await cache(op, args, request);
      return json({ error: "unknown backend route" }, 404);
    } catch (error) {
      return json({ error: String(error?.message ?? error), name: error?.name ?? "Error" }, 500);
    }
  },
};
