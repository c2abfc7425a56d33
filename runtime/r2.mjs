// R2 bindings as workerd presents them (constructor names R2Bucket, HeadResult, GetResult,
// R2MultipartUpload: the workers SDK picks conversions by name), backed by Miniflare's local
// R2 through backend.worker.mjs. Bodies stream in both directions.
import { knownLengths, withKnownLength } from "./streams.mjs";

const KNOWN_LENGTH_ERROR =
  "Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)";

const HTTP_METADATA_HEADERS = [
  ["contentType", "Content-Type"],
  ["contentLanguage", "Content-Language"],
  ["contentDisposition", "Content-Disposition"],
  ["contentEncoding", "Content-Encoding"],
  ["cacheControl", "Cache-Control"],
];
const CHECKSUMS = ["md5", "sha1", "sha256", "sha384", "sha512"];

function hex(value) {
  if (typeof value === "string") return value;
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function encodeHeaders(value) {
  return value instanceof Headers ? { headers: [...value] } : value;
}

function httpMetadataFromHeaders(headers) {
  const result = {};
  for (const [field, name] of HTTP_METADATA_HEADERS) {
    if (headers.has(name)) result[field] = headers.get(name);
  }
  if (headers.has("Expires")) result.cacheExpiry = new Date(headers.get("Expires")).toISOString();
  return result;
}

function encodeOptions(options) {
  if (!options) return undefined;
  const result = { ...options };
  if (result.onlyIf) result.onlyIf = encodeHeaders(result.onlyIf);
  if (result.httpMetadata instanceof Headers) {
    result.httpMetadata = httpMetadataFromHeaders(result.httpMetadata);
  } else if (result.httpMetadata?.cacheExpiry instanceof Date) {
    result.httpMetadata = { ...result.httpMetadata, cacheExpiry: result.httpMetadata.cacheExpiry.toISOString() };
  }
  for (const name of CHECKSUMS) if (result[name]) result[name] = hex(result[name]);
  return result;
}

// A put/uploadPart value as (args, body): streams need a known length, as in workerd.
function encodeValue(value) {
  if (value === null || value === undefined) return [{ value: null }, null];
  if (typeof value.getReader === "function") {
    const length = knownLengths.get(value);
    if (length === undefined) throw new TypeError(KNOWN_LENGTH_ERROR);
    return [{ value: "stream", length }, value];
  }
  if (typeof value === "string") value = new TextEncoder().encode(value);
  const length = value.byteLength ?? value.size;
  return [{ value: "stream", length }, value];
}

function bodyLength(size, range) {
  if (!range) return size;
  if (range.suffix !== undefined) return Math.min(range.suffix, size);
  const offset = range.offset ?? 0;
  return Math.min(range.length ?? size - offset, size - offset);
}

export class HeadResult {
  constructor(meta) {
    this.key = meta.key;
    this.version = meta.version;
    this.size = meta.size;
    this.etag = meta.etag;
    this.httpEtag = meta.httpEtag;
    this.checksums = meta.checksums;
    this.uploaded = new Date(meta.uploaded);
    const http = { ...meta.httpMetadata };
    if (http.cacheExpiry) http.cacheExpiry = new Date(http.cacheExpiry);
    this.httpMetadata = http;
    this.customMetadata = meta.customMetadata;
    if (meta.range) this.range = meta.range;
    this.storageClass = meta.storageClass;
  }

  writeHttpMetadata(headers) {
    for (const [field, header] of HTTP_METADATA_HEADERS) {
      const value = this.httpMetadata[field];
      if (value !== undefined && value !== null) headers.set(header, value);
    }
    if (this.httpMetadata.cacheExpiry) headers.set("Expires", this.httpMetadata.cacheExpiry.toUTCString());
  }
}

export class GetResult extends HeadResult {
  #body;
  constructor(meta, body) {
    super(meta);
    this.#body = withKnownLength(body, bodyLength(meta.size, meta.range));
  }
  get body() {
    return this.#body;
  }
  get bodyUsed() {
    return this.#body.locked;
  }
  arrayBuffer() {
    return new Response(this.#body).arrayBuffer();
  }
  async bytes() {
    return new Uint8Array(await this.arrayBuffer());
  }
  text() {
    return new Response(this.#body).text();
  }
  json() {
    return new Response(this.#body).json();
  }
  blob() {
    return new Response(this.#body).blob();
  }
}

const headOrNull = (meta) => (meta ? new HeadResult(meta) : null);

export class R2MultipartUpload {
  #backend;
  #binding;
  constructor(backend, binding, key, uploadId) {
    this.#backend = backend;
    this.#binding = binding;
    this.key = key;
    this.uploadId = uploadId;
  }
  #args(extra) {
    return { binding: this.#binding, key: this.key, uploadId: this.uploadId, ...extra };
  }
  async uploadPart(partNumber, value, options) {
    const [encoded, body] = encodeValue(value);
    const args = this.#args({ partNumber, options, ...encoded });
    const part = await this.#backend.json("r2", "uploadPart", args, body, encoded.length);
    return { partNumber: part.partNumber, etag: part.etag };
  }
  async abort() {
    await this.#backend.json("r2", "abort", this.#args());
  }
  async complete(uploadedParts) {
    const parts = Array.from(uploadedParts, (p) => ({ partNumber: p.partNumber, etag: p.etag }));
    const { object } = await this.#backend.json("r2", "complete", this.#args({ parts }));
    return new HeadResult(object);
  }
}

export class R2Bucket {
  #backend;
  #binding;
  constructor(backend, binding) {
    this.#backend = backend;
    this.#binding = binding;
  }
  async head(key) {
    const { object } = await this.#backend.json("r2", "head", { binding: this.#binding, key });
    return headOrNull(object);
  }
  async get(key, options) {
    const args = { binding: this.#binding, key, options: encodeOptions(options) };
    const response = await this.#backend.call("r2", "get", args);
    const { object, body } = JSON.parse(decodeURIComponent(response.headers.get("r2-meta")));
    if (!object) return null;
    // A failed onlyIf gives the object's metadata without a body, as in workerd.
    if (!body) {
      await response.body?.cancel();
      return new HeadResult(object);
    }
    return new GetResult(object, response.body);
  }
  async put(key, value, options) {
    const [encoded, body] = encodeValue(value);
    const args = { binding: this.#binding, key, options: encodeOptions(options), ...encoded };
    const { object } = await this.#backend.json("r2", "put", args, body, encoded.length);
    return headOrNull(object);
  }
  async delete(keys) {
    await this.#backend.json("r2", "delete", { binding: this.#binding, keys });
  }
  async list(options) {
    const page = await this.#backend.json("r2", "list", { binding: this.#binding, options });
    return {
      objects: page.objects.map((o) => new HeadResult(o)),
      truncated: page.truncated,
      ...(page.truncated ? { cursor: page.cursor } : {}),
      delimitedPrefixes: page.delimitedPrefixes ?? [],
    };
  }
  async createMultipartUpload(key, options) {
    const args = { binding: this.#binding, key, options: encodeOptions(options) };
    const upload = await this.#backend.json("r2", "createMultipartUpload", args);
    return new R2MultipartUpload(this.#backend, this.#binding, upload.key, upload.uploadId);
  }
  resumeMultipartUpload(key, uploadId) {
    return new R2MultipartUpload(this.#backend, this.#binding, key, uploadId);
  }
}
