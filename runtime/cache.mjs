// The Workers Cache API (caches.default, caches.open) backed by Miniflare's cache simulator.
// Miniflare's proxy only accepts its own Request/Response classes, so values are converted
// at this boundary; responses come back as global Responses, as in workerd.
import { Request as MfRequest, Response as MfResponse } from "miniflare";
import { cancelSafe } from "./streams.mjs";

function toMfRequest(request) {
  if (typeof request === "string" || request instanceof URL) return new MfRequest(String(request));
  return new MfRequest(request.url, { method: request.method, headers: request.headers });
}

function fromMfResponse(response) {
  if (!response) return undefined;
  return new Response(cancelSafe(response.body), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export class Cache {
  #proxy;
  constructor(proxy) {
    this.#proxy = proxy;
  }
  async match(request, options) {
    return fromMfResponse(await this.#proxy.match(toMfRequest(request), options ?? undefined));
  }
  async put(request, response) {
    const method = typeof request === "object" && request.method ? request.method : "GET";
    if (method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
    if (response.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
    const body = await response.arrayBuffer();
    const copy = new MfResponse(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    await this.#proxy.put(toMfRequest(request), copy);
  }
  async delete(request, options) {
    return this.#proxy.delete(toMfRequest(request), options ?? undefined);
  }
}

export class CacheStorage {
  #proxy;
  constructor(proxy) {
    this.#proxy = proxy;
    this.default = new Cache(proxy.default);
  }
  async open(name) {
    return new Cache(await this.#proxy.open(name));
  }
}
