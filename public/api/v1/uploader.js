// r2gate uploader: upload a File to r2gate from a browser with an upload token.
//
//   import { Upload, uploadEvents } from "/api/v1/uploader.js";
//   const upload = new Upload(file, { token, multipartToken });
//   upload.addEventListener("progress", (event) => console.log(event.detail.percent));
//   const object = await upload.start(); // {key, size, etag, content_type, uploaded}
//
// A file up to `multipartThreshold` (and within the put token's max) goes in one PUT; a larger
// one, given an mpu token, goes in parts of the server's part_size, `parallel` at a time. Bodies
// are Blob slices sent with XMLHttpRequest (fetch reports no upload progress), so a file is
// never read into memory. Failed requests are retried with exponential backoff; cancel() aborts
// and discards a multipart upload; start() after a failure resumes it with the missing parts.
//
// Events, on the Upload and re-dispatched on `uploadEvents` (CustomEvent, `detail.upload`):
//   start {method}, multipart {uploadId, partSize, parts}, progress {loaded, total, percent,
//   bytesPerSecond, secondsLeft}, retry {attempt, delayMs, status, code, part}, done {object,
//   url}, error {error, code, message}, cancel {}.

const MiB = 1024 * 1024;
const MAX_PARTS = 10000;
const RATE_WINDOW_MS = 4000;
const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export const DEFAULTS = Object.freeze({
  multipartThreshold: 64 * MiB, // larger files go in parts (when an mpu token is given)
  partSize: 8 * MiB, // asked for; the server decides (5 MiB at least)
  parallel: 3, // parts in flight at once
  retries: 4, // per request, after the first attempt
  backoffMs: 500, // first retry delay; doubles each time, with jitter
  maxBackoffMs: 15000,
  origin: globalThis.location ? globalThis.location.origin : "",
});

/** Every event of every Upload, re-dispatched (detail.upload is the Upload). */
export const uploadEvents = new EventTarget();

export class UploadError extends Error {
  constructor(message, { status = 0, code = "error", retryable = false, retryAfterMs } = {}) {
    super(message);
    this.name = "UploadError";
    this.status = status; // HTTP status, 0 when there was no response
    this.code = code; // r2gate's error code, or network_error, cancelled, invalid_token, ...
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs ?? null;
  }
}

function cancelled() {
  return new UploadError("The upload was cancelled.", { code: "cancelled" });
}

/** The claims of an upload token, unverified (the server verifies); null if unreadable. */
export function readToken(token) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return null;
  let claims;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  const scoped = typeof claims?.key === "string" || typeof claims?.prefix === "string";
  return scoped && (claims.op === "put" || claims.op === "mpu") ? claims : null;
}

/** Types a browser would run script in (HTML, XML, SVG, JavaScript, multipart): a token allows
 * them only by naming them exactly, never through a pattern, as the server decides. */
const ACTIVE = new RegExp(
  "^(text/html|text/xml|application/xml|text/xsl|multipart/.*|.*\\+xml" +
    "|(application|text)/(x-)?(java|ecma)script|text/(jscript|livescript|vbscript|x-component)" +
    "|text/javascript1\\.[0-5]|application/(x-shockwave-flash|futuresplash))$",
);

/** True when `type` (no parameters, lower case) matches one of the token's `ct` ranges. */
export function typeAllowed(ranges, type) {
  if (!/^[^/\s]+\/[^/\s]+$/.test(type)) return false;
  const active = ACTIVE.test(type);
  if (!Array.isArray(ranges)) return !active;
  const major = type.split("/")[0];
  return ranges.some((range) => {
    const essence = range.split(";")[0].trim();
    return essence === type || (!active && (essence === "*/*" || essence === `${major}/*`));
  });
}

/** The media type to send: the file's when the token allows it; for a file of unknown type,
 * the token's one exact type (as the server does for `curl -T`), or "" to let the server
 * choose by the key's extension; null when the token does not take the file's type. */
export function contentTypeFor(claims, file) {
  const own = (file.type || "").split(";")[0].trim().toLowerCase();
  if (own && typeAllowed(claims.ct, own)) return own;
  if (!Array.isArray(claims.ct)) return own ? null : own;
  const unknown = own === "" || own === "application/octet-stream";
  const exact = claims.ct.filter((range) => !range.includes("*"));
  return unknown && claims.ct.length === 1 && exact.length === 1 ? exact[0] : null;
}

/** The object key a file goes to: the token's key, or its prefix and the file's name. */
export function keyFor(claims, file) {
  return typeof claims.key === "string" ? claims.key : claims.prefix + file.name;
}

/** The object's URL: each key segment percent-encoded, then the raw query. */
export function objectUrl(origin, key, query = "") {
  const path = key.split("/").map(encodeURIComponent).join("/");
  return `${origin}/${path}${query ? `?${query}` : ""}`;
}

function sizeLimit(claims) {
  if (!claims) return -1;
  if (Number.isInteger(claims.len)) return claims.len;
  return Number.isInteger(claims.max) ? claims.max : Infinity;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function httpError(xhr, body) {
  const error = body && typeof body.error === "object" ? body.error : {};
  const seconds = Number.parseInt(xhr.getResponseHeader("Retry-After") || "", 10);
  return new UploadError(error.message || `The server answered ${xhr.status}.`, {
    status: xhr.status,
    code: error.code || "http_error",
    retryable: RETRY_STATUSES.has(xhr.status),
    retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : null,
  });
}

export class Upload extends EventTarget {
  #xhrs = new Set();
  #sleeps = new Set();
  #inflight = new Map(); // request slot -> bytes sent so far
  #doneBytes = 0;
  #samples = [];
  #mpu = null; // {uploadId, partSize, count, etags: Map(part number -> etag)}
  #running = null;
  #cancelled = false;
  #completing = false;

  /**
   * @param {File|Blob} file what to upload (a Blob needs options.key or a key token)
   * @param {object} options token (a put or mpu token), multipartToken (an mpu token), and
   *   any of DEFAULTS. Throws UploadError("invalid_token") when no token is readable.
   */
  constructor(file, options = {}) {
    super();
    this.file = file;
    this.options = { ...DEFAULTS, ...options };
    const first = readToken(this.options.token);
    const second = this.options.multipartToken ? readToken(this.options.multipartToken) : null;
    if (!first || (this.options.multipartToken && second?.op !== "mpu")) {
      throw new UploadError("This upload link is not valid.", { code: "invalid_token" });
    }
    this.putToken = first.op === "put" ? this.options.token : null;
    this.mpuToken = first.op === "mpu" ? this.options.token : this.options.multipartToken || null;
    this.putClaims = first.op === "put" ? first : null;
    this.mpuClaims = first.op === "mpu" ? first : second;
    const claims = this.putClaims || this.mpuClaims;
    this.key = this.options.key || keyFor(claims, file);
    this.contentType = contentTypeFor(claims, file);
    this.total = file.size;
    this.loaded = 0;
    this.state = "ready"; // ready | uploading | done | failed | cancelled
    this.result = null;
    this.url = null;
    this.error = null;
    this.problem = null; // an UploadError that makes this file impossible to upload
    this.method = this.#plan();
  }

  #plan() {
    const size = this.file.size;
    const putLimit = sizeLimit(this.putClaims);
    const partsLimit = sizeLimit(this.mpuClaims);
    const large = size > this.options.multipartThreshold || size > putLimit;
    const method = this.mpuToken && (large || !this.putToken) ? "multipart" : "put";
    const limit = method === "multipart" ? partsLimit : putLimit;
    const type = this.file.type ? `${this.file.type} files` : "files of this type";
    const problems = [
      [this.contentType === null, "unsupported_media_type", `This link does not take ${type}.`],
      [
        Number.isInteger(this.putClaims?.len) && method === "put" && size !== limit,
        "length_mismatch",
        `This link expects a file of exactly ${limit} bytes.`,
      ],
      [size > limit, "too_large", `The file is larger than this link allows (${limit} bytes).`],
    ];
    const found = problems.find(([applies]) => applies);
    if (found) this.problem = new UploadError(found[2], { code: found[1] });
    return method;
  }

  /** Upload (or resume after a failure); resolves with r2gate's JSON for the object. */
  start() {
    if (this.state === "uploading") return this.#running;
    if (this.state === "done") return Promise.resolve(this.result);
    this.#cancelled = false;
    this.state = "uploading";
    this.error = null;
    this.#running = this.#run();
    return this.#running;
  }

  /** Stop the upload and discard what was sent; false when there is nothing to cancel or
   * the object is already being assembled. */
  async cancel() {
    if (!["ready", "uploading", "failed"].includes(this.state) || this.#completing) return false;
    this.#cancelled = true;
    for (const xhr of [...this.#xhrs]) xhr.abort();
    for (const sleep of [...this.#sleeps]) sleep.cancel();
    await this.#running?.catch(() => {});
    if (this.#mpu) {
      await this.#discard();
    }
    this.#inflight.clear();
    this.#doneBytes = 0;
    this.loaded = 0;
    this.state = "cancelled";
    this.#emit("cancel");
    return true;
  }

  async #run() {
    this.#samples = [];
    this.#emit("start", { method: this.method });
    try {
      if (this.problem) throw this.problem;
      this.#progress();
      let object;
      if (this.method === "put") {
        object = await this.#single();
      } else {
        const resuming = this.#mpu !== null;
        try {
          object = await this.#multipart();
        } catch (error) {
          if (!resuming || error.status !== 404) throw error;
          this.#mpu = null; // the upload being resumed is gone: start over, once
          object = await this.#multipart();
        }
      }
      this.#inflight.clear();
      this.#doneBytes = this.total;
      if (this.loaded < this.total || this.total === 0) this.#progress();
      this.result = object;
      this.url = objectUrl(this.options.origin, object?.key || this.key);
      this.state = "done";
      this.#emit("done", { object, url: this.url });
      return object;
    } catch (error) {
      if (this.#cancelled) throw cancelled();
      this.state = "failed";
      this.error = error;
      this.#emit("error", { error, code: error.code, message: error.message });
      throw error;
    }
  }

  async #single() {
    const query = `token=${encodeURIComponent(this.putToken)}`;
    const url = objectUrl(this.options.origin, this.key, query);
    const headers = this.contentType ? { "Content-Type": this.contentType } : {};
    const reply = await this.#request("PUT", url, { body: this.file, headers, slot: 0 });
    return reply.json;
  }

  #wantedPartSize() {
    const fit = Math.ceil(this.total / MAX_PARTS / MiB) * MiB;
    return Math.max(this.options.partSize, fit);
  }

  async #multipart() {
    const origin = this.options.origin;
    const withToken = (query) => `${query}&token=${encodeURIComponent(this.mpuToken)}`;
    const json = { "Content-Type": "application/json" };
    if (!this.#mpu) {
      const wanted = { part_size: this.#wantedPartSize() };
      if (this.contentType) wanted.content_type = this.contentType;
      const body = JSON.stringify(wanted);
      const url = objectUrl(origin, this.key, withToken("uploads"));
      const created = (await this.#request("POST", url, { body, headers: json })).json;
      const count = Math.max(1, Math.ceil(this.total / created.part_size));
      this.#mpu = {
        uploadId: created.upload_id,
        partSize: created.part_size,
        count,
        etags: new Map(),
      };
      if (count > created.max_parts) {
        await this.#discard();
        const message = `The file needs ${count} parts; at most ${created.max_parts} are allowed.`;
        throw new UploadError(message, { code: "too_many_parts" });
      }
      const partSize = created.part_size;
      this.#emit("multipart", { uploadId: created.upload_id, partSize, parts: count });
    }
    const mpu = this.#mpu;
    const uploadQuery = `uploadId=${encodeURIComponent(mpu.uploadId)}`;
    const length = (n) => Math.min(mpu.partSize, this.total - (n - 1) * mpu.partSize);
    const pending = [];
    this.#doneBytes = 0;
    for (let n = 1; n <= mpu.count; n += 1) {
      if (mpu.etags.has(n)) this.#doneBytes += length(n);
      else pending.push(n);
    }
    let failure = null;
    const worker = async () => {
      while (pending.length > 0 && failure === null && !this.#cancelled) {
        const n = pending.shift();
        const start = (n - 1) * mpu.partSize;
        const body = this.file.slice(start, start + length(n));
        const url = objectUrl(origin, this.key, withToken(`${uploadQuery}&partNumber=${n}`));
        try {
          const reply = await this.#request("PUT", url, { body, slot: n });
          mpu.etags.set(n, reply.json.etag);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.parallel, pending.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== null) throw failure;
    if (this.#cancelled) throw cancelled();
    const parts = [...mpu.etags]
      .sort((a, b) => a[0] - b[0])
      .map(([number, etag]) => ({ part_number: number, etag }));
    this.#completing = true;
    try {
      const url = objectUrl(origin, this.key, withToken(uploadQuery));
      const body = JSON.stringify({ parts });
      const object = (await this.#request("POST", url, { body, headers: json })).json;
      this.#mpu = null;
      return object;
    } finally {
      this.#completing = false;
    }
  }

  /** Abort the multipart upload on the server (best effort: R2 discards an upload that is
   * never completed after 7 days anyway). */
  async #discard() {
    const uploadId = encodeURIComponent(this.#mpu.uploadId);
    const query = `uploadId=${uploadId}&token=${encodeURIComponent(this.mpuToken)}`;
    this.#mpu = null;
    const url = objectUrl(this.options.origin, this.key, query);
    await this.#request("DELETE", url, { cancellable: false }).catch(() => {});
  }

  /** One request, retried with backoff on network errors, 408, 425, 429 and 5xx. */
  async #request(method, url, { body = null, headers = {}, slot = null, cancellable = true }) {
    for (let attempt = 0; ; attempt += 1) {
      if (cancellable && this.#cancelled) throw cancelled();
      try {
        const reply = await this.#send(method, url, body, headers, slot);
        if (slot !== null) {
          this.#inflight.delete(slot);
          this.#doneBytes += body.size;
          this.#progress();
        }
        return reply;
      } catch (error) {
        if (slot !== null && this.#inflight.delete(slot)) this.#progress();
        if (cancellable && this.#cancelled) throw cancelled();
        if (!error.retryable || attempt >= this.options.retries) throw error;
        const backoff = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** attempt);
        const delayMs = error.retryAfterMs ?? Math.round(backoff * (0.5 + Math.random() / 2));
        this.#emit("retry", {
          attempt: attempt + 1,
          delayMs,
          status: error.status,
          code: error.code,
          message: error.message,
          part: typeof slot === "number" && slot > 0 ? slot : null,
        });
        await this.#sleep(delayMs, cancellable);
      }
    }
  }

  #send(method, url, body, headers, slot) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const settle = () => this.#xhrs.delete(xhr);
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (slot !== null) {
        xhr.upload.addEventListener("progress", (event) => {
          this.#inflight.set(slot, event.loaded);
          this.#progress();
        });
      }
      xhr.addEventListener("load", () => {
        settle();
        const json = parseJson(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, json });
        else reject(httpError(xhr, json));
      });
      xhr.addEventListener("error", () => {
        settle();
        const message = "The connection to the server failed.";
        reject(new UploadError(message, { code: "network_error", retryable: true }));
      });
      xhr.addEventListener("abort", () => {
        settle();
        reject(cancelled());
      });
      this.#xhrs.add(xhr);
      xhr.send(body);
    });
  }

  #sleep(ms, cancellable) {
    return new Promise((resolve, reject) => {
      const entry = {
        cancel: () => {
          clearTimeout(timer);
          this.#sleeps.delete(entry);
          reject(cancelled());
        },
      };
      const timer = setTimeout(() => {
        this.#sleeps.delete(entry);
        resolve();
      }, ms);
      if (cancellable) this.#sleeps.add(entry);
    });
  }

  #progress() {
    let loaded = this.#doneBytes;
    for (const sent of this.#inflight.values()) loaded += sent;
    loaded = Math.min(loaded, this.total);
    const now = performance.now();
    this.#samples.push([now, loaded]);
    while (this.#samples.length > 2 && now - this.#samples[0][0] > RATE_WINDOW_MS) {
      this.#samples.shift();
    }
    const [then, before] = this.#samples[0];
    const rate = now - then >= 200 ? ((loaded - before) * 1000) / (now - then) : null;
    const bytesPerSecond = rate !== null && rate > 0 ? rate : null;
    this.loaded = loaded;
    this.#emit("progress", {
      loaded,
      total: this.total,
      percent: this.total > 0 ? (loaded * 100) / this.total : 100,
      bytesPerSecond,
      secondsLeft: bytesPerSecond ? (this.total - loaded) / bytesPerSecond : null,
    });
  }

  #emit(type, detail = {}) {
    const full = { ...detail, upload: this, key: this.key };
    this.dispatchEvent(new CustomEvent(type, { detail: full }));
    uploadEvents.dispatchEvent(new CustomEvent(type, { detail: full }));
  }
}
