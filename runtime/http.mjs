// HTTP over a real socket: Node's request -> a web Request for the Worker, and the Worker's
// Response -> the socket, sending Content-Length for known-length bodies as workerd does.
import http from "node:http";
import { knownLengths, nodeBodyStream, withKnownLength } from "./streams.mjs";

const READ_AHEAD = 1 << 20; // bodies that end within this are sent with a Content-Length
const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

function toRequest(req, origin) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const url = new URL(req.url, origin);
  const init = { method: req.method, headers };
  if (req.method !== "GET" && req.method !== "HEAD") {
    const length = req.headers["content-length"];
    if (length !== undefined) {
      init.body = withKnownLength(nodeBodyStream(req), Number(length));
      init.duplex = "half";
    } else if (req.headers["transfer-encoding"]) {
      init.body = nodeBodyStream(req);
      init.duplex = "half";
    }
  }
  return new Request(url, init);
}

async function readAhead(reader, limit) {
  const chunks = [];
  let size = 0;
  while (size <= limit) {
    const { value, done } = await reader.read();
    if (done) return { chunks, size, done: true };
    chunks.push(value);
    size += value.byteLength;
  }
  return { chunks, size, done: false };
}

function writeChunk(res, chunk) {
  if (res.destroyed) return Promise.reject(new Error("client went away"));
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      res.off("drain", onDrain);
      reject(new Error("client went away"));
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

async function send(res, response, method) {
  const headers = {};
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers[name] = value;
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  const body = response.body;
  const noBody = method === "HEAD" || NO_BODY_STATUS.has(response.status);

  if (!body) {
    if (headers["content-length"] === undefined && !NO_BODY_STATUS.has(response.status)) {
      headers["content-length"] = "0";
    }
    res.writeHead(response.status, response.statusText || undefined, headers);
    return res.end();
  }
  if (noBody) {
    await body.cancel().catch(() => {});
    res.writeHead(response.status, response.statusText || undefined, headers);
    return res.end();
  }
  const reader = body.getReader();
  if (headers["content-length"] === undefined) {
    const known = knownLengths.get(body);
    if (known !== undefined) {
      headers["content-length"] = String(known);
    } else {
      const ahead = await readAhead(reader, READ_AHEAD);
      if (ahead.done) headers["content-length"] = String(ahead.size);
      res.writeHead(response.status, response.statusText || undefined, headers);
      for (const chunk of ahead.chunks) await writeChunk(res, chunk);
      if (ahead.done) return res.end();
      return pump(reader, res);
    }
  }
  res.writeHead(response.status, response.statusText || undefined, headers);
  return pump(reader, res);
}

async function pump(reader, res) {
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      await writeChunk(res, value);
    }
    res.end();
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    res.destroy();
  }
}

// Request lines as logged: the path only, as Miniflare and workerd log them (a query may
// carry a token, however its name is percent-encoded).
function loggable(url) {
  return new URL(url, "http://x").pathname;
}

export function createServer(worker, { host, port, log = console }) {
  const origin = `http://${host}:${port}`;
  return http.createServer(async (req, res) => {
    const started = performance.now();
    let status = 500;
    try {
      const request = toRequest(req, origin);
      const response = await worker.dispatch(request);
      status = response.status;
      await send(res, response, req.method);
    } catch (error) {
      log.error(`Uncaught error handling ${req.method} ${loggable(req.url)}:\n${error?.message ?? error}`);
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error\n");
      } else {
        res.destroy();
      }
    } finally {
      const ms = (performance.now() - started).toFixed(1);
      log.info(`${req.method} ${loggable(req.url)} ${status} ${ms}ms`);
    }
  });
}
