// The Workers Cache API (caches.default, caches.open) backed by Miniflare's cache simulator
// through backend.worker.mjs; responses come back as global Responses, as in workerd.

function target(request) {
  if (typeof request === "string" || request instanceof URL) return { url: String(request), method: "GET", headers: [] };
  return { url: request.url, method: request.method, headers: [...request.headers] };
}

export class Cache {
  #backend;
  #name;
  constructor(backend, name) {
    this.#backend = backend;
    this.#name = name;
  }
  async match(request, options) {
    const { url, headers } = target(request);
    const found = await this.#backend.call("cache", "match", { name: this.#name, url, headers, options });
    if (found.headers.get("cache-miss")) return undefined;
    return new Response(found.body, { status: found.status, statusText: found.statusText, headers: found.headers });
  }
  async put(request, response) {
    const { url, method } = target(request);
    if (method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
    if (response.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
    const args = { name: this.#name, url, status: response.status, headers: [...response.headers] };
    await this.#backend.json("cache", "put", args, response.body);
  }
  async delete(request, options) {
    const { url, headers } = target(request);
    const { deleted } = await this.#backend.json("cache", "delete", { name: this.#name, url, headers, options });
    return deleted;
  }
}

export class CacheStorage {
  #backend;
  constructor(backend) {
    this.#backend = backend;
    this.default = new Cache(backend, undefined);
  }
  async open(name) {
    return new Cache(this.#backend, String(name));
  }
}
