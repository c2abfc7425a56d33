// The Node side of backend.worker.mjs: one dispatchFetch per R2 or cache operation.

const ERROR_TYPES = { TypeError, RangeError };

export class Backend {
  #mf;
  constructor(mf) {
    this.#mf = mf;
  }

  // POST /<kind>/<op>, arguments as JSON in a header, an optional streamed body.
  async call(kind, op, args, body = null) {
    const init = {
      method: "POST",
      headers: { "r2gate-args": encodeURIComponent(JSON.stringify(args)) },
    };
    if (body !== null && body !== undefined) {
      init.body = body;
      init.duplex = "half";
    }
    const response = await this.#mf.dispatchFetch(`http://backend/${kind}/${op}`, init);
    if (response.status === 500 && response.headers.get("content-type") === "application/json") {
      const { error, name } = await response.json();
      throw new (ERROR_TYPES[name] ?? Error)(error);
    }
    return response;
  }

  async json(kind, op, args, body = null) {
    return (await this.call(kind, op, args, body)).json();
  }
}
