#!/usr/bin/env node
// r2gate's offline runtime: runs the Python Worker in src/ unchanged, without network, on
// Pyodide from npm + the vendored workers-runtime-sdk + Miniflare's local R2 and Cache API.
//
//   node runtime/main.mjs [--config wrangler.toml] [--host 127.0.0.1] [--port 8787]
//                         [--persist-to DIR] [--var NAME:VALUE ...] [--python-modules DIR]
//                         [--test-scheduled] [--quiet]
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

process.env.TZ = "UTC"; // as in workerd: Dates and Python's localtime are UTC
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { readFileSync } from "node:fs";
import { Backend } from "./backend.mjs";
import { CacheStorage } from "./cache.mjs";
import { loadConfig, loadDevVars } from "./config.mjs";
import { createServer } from "./http.mjs";
import { loadWorker, ScheduledController } from "./python.mjs";
import { R2Bucket } from "./r2.mjs";
import { FixedLengthStream } from "./streams.mjs";

const { values: args } = parseArgs({
  options: {
    config: { type: "string", default: "wrangler.toml" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: process.env.PORT || "8787" },
    "persist-to": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    // Vendored packages (pywrangler's python_modules/); default: next to wrangler.toml.
    "python-modules": { type: "string" },
    "test-scheduled": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

const BACKEND_SOURCE = readFileSync(new URL("./backend.worker.mjs", import.meta.url), "utf8");

const log = {
  info: args.quiet ? () => {} : (m) => console.log(`[r2gate] ${m}`),
  error: (m) => console.error(`[r2gate] ${m}`),
};

// Miniflare with wrangler dev's R2 options (each binding's id is its bucket_name, state under
// <persist>/v3), running backend.worker.mjs, which serves R2 and the Cache API to Node.
// (wrangler's getPlatformProxy is not used: its `caches` is a no-op.)
async function startMiniflare(config, persistRoot) {
  const r2Buckets = Object.fromEntries(
    config.r2Buckets.map((b) => [b.binding, { id: b.bucket_name ?? b.binding }]),
  );
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: config.name,
          modules: [{ type: "ESModule", path: "backend.worker.mjs", contents: BACKEND_SOURCE }],
          compatibilityDate: "2026-06-01",
          r2Buckets,
        },
      ],
      resourcePersistencePath: join(persistRoot, "v3"),
    }),
  );
  const backend = new Backend(await mf.ready);
  return {
    backend,
    dispose: async () => {
      backend.close();
      await mf.dispose();
    },
  };
}

async function buildEnv(config, platform) {
  const env = {};
  for (const [name, value] of Object.entries(config.vars)) env[name] = value;
  for (const [name, value] of Object.entries(loadDevVars(config.root))) env[name] = value;
  // Like `wrangler dev --var NAME:VALUE`: overrides wrangler.toml vars and .dev.vars.
  for (const pair of args.var) {
    const colon = pair.indexOf(":");
    if (colon < 1) throw new Error(`--var expects NAME:VALUE, got '${pair}'`);
    env[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  for (const { binding } of config.r2Buckets) env[binding] = new R2Bucket(platform.backend, binding);
  return env;
}

// `wrangler dev --test-scheduled` exposes the same route.
function scheduledRoute(worker, request) {
  const url = new URL(request.url);
  const cron = url.searchParams.get("cron") ?? "";
  const time = Number(url.searchParams.get("time") ?? Date.now());
  return worker
    .scheduled(new ScheduledController(cron, time))
    .then(() => new Response("Ran scheduled event\n"));
}

async function main() {
  const started = performance.now();
  const config = loadConfig(args.config);
  // Same local state as `wrangler dev`: <project>/.wrangler/state/v3 unless --persist-to.
  const persistRoot = resolve(args["persist-to"] ?? join(config.root, ".wrangler", "state"));
  const platform = await startMiniflare(config, persistRoot);
  globalThis.caches = new CacheStorage(platform.backend);
  globalThis.FixedLengthStream = FixedLengthStream;

  const vendor = resolve(args["python-modules"] ?? join(config.root, "python_modules"));
  const worker = await loadWorker(config, vendor, await buildEnv(config, platform));
  worker.dispatch = (request) =>
    args["test-scheduled"] && new URL(request.url).pathname === "/__scheduled"
      ? scheduledRoute(worker, request)
      : worker.fetch(request);

  const host = args.host;
  const port = Number(args.port);
  const server = createServer(worker, { host, port, log });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const ms = Math.round(performance.now() - started);
  console.log(
    `[r2gate] offline runtime ready on http://${host}:${port} in ${ms} ms ` +
      `(Pyodide ${worker.pyodideVersion}, workers-runtime-sdk ${worker.sdkVersion}, ` +
      `R2 ${config.r2Buckets.map((b) => `${b.binding}=${b.bucket_name}`).join(", ") || "none"})`,
  );

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections?.();
    await worker.idle();
    await platform.dispose();
    process.exit(0);
  };
  // wrangler's exit hooks would exit(130/143) at once; our stop() disposes Miniflare itself.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
}

main().catch((error) => {
  console.error(`[r2gate] offline runtime failed to start: ${error?.stack ?? error}`);
  process.exit(1);
});
