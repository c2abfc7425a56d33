// The cProfile harness of `python bench/run.py cprofile` (bench/cprofile/dispatch.py): r2gate's
// dispatch in Node's Pyodide (the npm `pyodide-dev` workerd's local bundle is made of), where
// the clock runs while Python does (in workerd it moves only across I/O, so cProfile cannot time
// anything there). The R2 bucket, the Cache API and ctx are small fakes shaped like workerd's:
// the profile shows where r2gate's Python goes, not what R2 costs; `make bench` measures that.
import { loadPyodide } from "pyodide-dev";

const env = { R2GATE_CASE: process.env.R2GATE_CASE ?? "get" };
for (const name of ["R2GATE_CALLS", "R2GATE_SORT", "R2GATE_ROWS"]) {
  if (process.env[name]) env[name] = process.env[name];
}
const py = await loadPyodide({ env });
py.FS.mkdirTree("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: process.env.R2GATE_SRC }, "/src");

const data = new Uint8Array(1024);
function servedRange(range) {
  // R2's range option: {offset, length} or the request's Headers (one `bytes=first-last` here).
  const text = typeof range?.get === "function" ? range.get("range") : null;
  const match = /^bytes=(\d+)-(\d+)$/.exec(text ?? "");
  if (match) return { offset: Number(match[1]), length: Number(match[2]) - Number(match[1]) + 1 };
  return range?.offset === undefined ? null : { offset: range.offset, length: range.length };
}

function r2Object(withBody, range = null) {
  const object = {
    key: "bench/small.bin",
    size: data.length,
    etag: "7265f4d211b56873a381d321f586e4a9",
    version: "v1",
    httpEtag: '"7265f4d211b56873a381d321f586e4a9"',
    uploaded: new Date(1795600000123),
    httpMetadata: { contentType: "application/octet-stream" },
    customMetadata: {},
    writeHttpMetadata(headers) {
      headers.set("content-type", "application/octet-stream");
    },
  };
  if (withBody) {
    object.range = range ?? { offset: 0, length: data.length };
    const { offset, length } = object.range;
    object.body = new Response(data.slice(offset, offset + length)).body;
  }
  return object;
}

globalThis.benchEnv = {
  BUCKET: {
    async get(key, options) { return r2Object(true, servedRange(options?.range)); },
    async head() { return r2Object(false); },
    async put() { return r2Object(false); },
    async delete() {},
  },
  API_KEY: "k".repeat(32),
  SIGNING_KEYS: JSON.stringify({ bench: "s".repeat(48) }),
  SERVER_TIMING: "on",
  CACHE_POLICY: JSON.stringify({ default: "public, max-age=3600" }),
  CORS: JSON.stringify({ origins: ["*"] }),
};
globalThis.benchCtx = { waitUntil() {} };
globalThis.caches = {
  default: { async match() { return undefined; }, async put() {}, async delete() { return false; } },
};
const UPLOAD = JSON.stringify({ filename: "scan.ply", content_type: "application/octet-stream" });
globalThis.benchRequest = (url, method, headers) => {
  if (method === "PUT") {
    return new Request(url, { method, headers, body: new Uint8Array(1024), duplex: "half" });
  }
  if (method === "POST") {
    const sized = { ...headers, "content-length": String(UPLOAD.length) };
    return new Request(url, { method, headers: sized, body: UPLOAD, duplex: "half" });
  }
  return new Request(url, { method, headers });
};

console.log(await py.runPythonAsync(process.env.R2GATE_CODE));
