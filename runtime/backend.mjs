// The Node side of backend.worker.mjs: one HTTP request per R2 or cache operation, sent to
// Miniflare's entry URL with Node's http client. (Miniflare's dispatchFetch buffers a whole
// request body before sending it; piping into http.request keeps uploads streaming.)
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { nodeBodyStream } from "./streams.mjs";

const ERROR_TYPES = { TypeError, RangeError };
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function toWebResponse(res) {
  const headers = new Headers();
  for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
  const body = NULL_BODY_STATUS.has(res.statusCode) ? null : nodeBodyStream(res);
  if (!body) res.resume();
  return new Response(body, { status: res.statusCode, statusText: res.statusMessage, headers });
}

function toNodeReadable(body) {
  if (typeof body.getReader === "function") return Readable.fromWeb(body);
  if (typeof body.stream === "function") return Readable.fromWeb(body.stream()); // Blob
  const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
  return Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
}

export class Backend {
  #origin;
  #agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(origin) {
    this.#origin = origin;
  }

  // POST /<kind>/<op>, arguments as JSON in a header, an optional streamed body of `length`.
  async call(kind, op, args, body = null, length = undefined) {
    const headers = { "r2gate-args": encodeURIComponent(JSON.stringify(args)) };
    if (body !== null && body !== undefined && length !== undefined) {
      headers["content-length"] = String(length);
    }
    const url = new URL(`/${kind}/${op}`, this.#origin);
    const response = await new Promise((resolve, reject) => {
      const req = http.request(url, { method: "POST", headers, agent: this.#agent }, (res) =>
        resolve(toWebResponse(res)),
      );
      req.on("error", reject);
      if (body === null || body === undefined) {
        req.end();
      } else {
        pipeline(toNodeReadable(body), req).catch((error) => {
          req.destroy(error);
          reject(error);
        });
      }
    });
    if (response.status === 500 && response.headers.get("content-type") === "application/json") {
      const { error, name } = await response.json();
      throw new (ERROR_TYPES[name] ?? Error)(error);
    }
    return response;
  }

  async json(kind, op, args, body = null, length = undefined) {
    return (await this.call(kind, op, args, body, length)).json();
  }

  close() {
    this.#agent.destroy();
  }
}
