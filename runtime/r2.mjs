// Wraps Miniflare's R2 proxy so the objects Python receives carry workerd's constructor names
// (R2Bucket, HeadResult, GetResult, R2MultipartUpload): the workers SDK picks conversions by name.
import { cancelSafe, knownLengths, readExactly, withKnownLength } from "./streams.mjs";

const KNOWN_LENGTH_ERROR =
  "Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)";

const HTTP_METADATA_HEADERS = [
  ["contentType", "Content-Type"],
  ["contentLanguage", "Content-Language"],
  ["contentDisposition", "Content-Disposition"],
  ["contentEncoding", "Content-Encoding"],
  ["cacheControl", "Cache-Control"],
];

// The proxy cannot carry a stream's length, so a known-length stream is read into memory in
// Node first (never in Python). This is the offline runtime's one deliberate difference.
async function materialise(value) {
  if (value && typeof value.getReader === "function") {
    const length = knownLengths.get(value);
    if (length === undefined) throw new TypeError(KNOWN_LENGTH_ERROR);
    return readExactly(value, length);
  }
  return value ?? null;
}

function plain(value) {
  return value === undefined ? undefined : value === null ? null : { ...value };
}

export class HeadResult {
  constructor(inner) {
    this.key = inner.key;
    this.version = inner.version;
    this.size = inner.size;
    this.etag = inner.etag;
    this.httpEtag = inner.httpEtag;
    this.checksums = plain(inner.checksums);
    this.uploaded = new Date(inner.uploaded);
    this.httpMetadata = plain(inner.httpMetadata) ?? {};
    this.customMetadata = plain(inner.customMetadata) ?? {};
    this.range = plain(inner.range);
    this.storageClass = inner.storageClass;
  }

  writeHttpMetadata(headers) {
    for (const [field, header] of HTTP_METADATA_HEADERS) {
      const value = this.httpMetadata[field];
      if (value !== undefined && value !== null) headers.set(header, value);
    }
    const expiry = this.httpMetadata.cacheExpiry;
    if (expiry) headers.set("Expires", new Date(expiry).toUTCString());
  }
}

export class GetResult extends HeadResult {
  #body;
  constructor(inner) {
    super(inner);
    this.#body = withKnownLength(cancelSafe(inner.body), bodyLength(inner.size, inner.range));
  }
  get body() {
    return this.#body;
  }
  get bodyUsed() {
    return this.#body.locked;
  }
  async arrayBuffer() {
    return new Response(this.#body).arrayBuffer();
  }
  async bytes() {
    return new Uint8Array(await this.arrayBuffer());
  }
  async text() {
    return new Response(this.#body).text();
  }
  async json() {
    return new Response(this.#body).json();
  }
  async blob() {
    return new Response(this.#body).blob();
  }
}

function bodyLength(size, range) {
  if (!range) return size;
  if (range.suffix !== undefined) return Math.min(range.suffix, size);
  const offset = range.offset ?? 0;
  return Math.min(range.length ?? size - offset, size - offset);
}

function headOrNull(inner) {
  return inner ? new HeadResult(inner) : null;
}

export class R2MultipartUpload {
  #upload;
  constructor(key, uploadId, upload) {
    this.key = key;
    this.uploadId = uploadId;
    this.#upload = upload;
  }
  async uploadPart(partNumber, value, options) {
    const inner = await this.#upload();
    const part = await inner.uploadPart(partNumber, await materialise(value), options);
    return { partNumber: part.partNumber, etag: part.etag };
  }
  async abort() {
    const inner = await this.#upload();
    await inner.abort();
  }
  async complete(uploadedParts) {
    const inner = await this.#upload();
    const parts = Array.from(uploadedParts, (p) => ({ partNumber: p.partNumber, etag: p.etag }));
    return new HeadResult(await inner.complete(parts));
  }
}

export class R2Bucket {
  #proxy;
  constructor(proxy) {
    this.#proxy = proxy;
  }
  async head(key) {
    return headOrNull(await this.#proxy.head(key));
  }
  async get(key, options) {
    const inner = await this.#proxy.get(key, options ?? undefined);
    if (!inner) return null;
    // A failed onlyIf gives the object's metadata without a body, as in workerd.
    return inner.body ? new GetResult(inner) : new HeadResult(inner);
  }
  async put(key, value, options) {
    return headOrNull(await this.#proxy.put(key, await materialise(value), options ?? undefined));
  }
  async delete(keys) {
    await this.#proxy.delete(keys);
  }
  async list(options) {
    const page = await this.#proxy.list(options ?? undefined);
    return {
      objects: page.objects.map((o) => new HeadResult(o)),
      truncated: page.truncated,
      ...(page.truncated ? { cursor: page.cursor } : {}),
      delimitedPrefixes: [...(page.delimitedPrefixes ?? [])],
    };
  }
  async createMultipartUpload(key, options) {
    const inner = await this.#proxy.createMultipartUpload(key, options ?? undefined);
    return new R2MultipartUpload(inner.key, inner.uploadId, async () => inner);
  }
  resumeMultipartUpload(key, uploadId) {
    let resumed;
    const upload = () => (resumed ??= Promise.resolve(this.#proxy.resumeMultipartUpload(key, uploadId)));
    return new R2MultipartUpload(key, uploadId, upload);
  }
}
