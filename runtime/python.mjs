// Loads Pyodide, the vendored workers-runtime-sdk and the Worker's main module, and calls
// entrypoint handlers following workerd's contract (../shared/notes/python-workers-runtime.md).
import { AsyncLocalStorage } from "node:async_hooks";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SESSION_DIR = "/session/metadata";
const VENDOR_DIR = "/session/python_modules";

const currentContext = new AsyncLocalStorage();
const orphanWaits = [];
const draining = new Set();

// workerd's ExecutionContext: waitUntil keeps the invocation alive until its promises settle.
export class ExecutionContext {
  #pending = [];
  get [Symbol.toStringTag]() {
    return "ExecutionContext";
  }
  get props() {
    return {};
  }
  waitUntil(promise) {
    this.#pending.push(
      Promise.resolve(promise).catch((error) => console.error("waitUntil task failed:", error)),
    );
  }
  passThroughOnException() {}
  async drain() {
    while (this.#pending.length) await Promise.all(this.#pending.splice(0));
  }
}

export class ScheduledController {
  constructor(cron, scheduledTime) {
    this.cron = cron;
    this.scheduledTime = scheduledTime;
  }
  noRetry() {}
}

// Same behaviour as workerd's patchWaitUntil: only a real ExecutionContext is patched, once,
// and a Python awaitable is copied (it is a borrowed proxy) and destroyed after it settles.
const patchedContexts = new WeakSet();
function patchWaitUntil(ctx) {
  if (Object.prototype.toString.call(ctx) !== "[object ExecutionContext]") return;
  if (patchedContexts.has(ctx)) return;
  const original = ctx.waitUntil.bind(ctx);
  ctx.waitUntil = (awaitable) => {
    const owned = typeof awaitable?.copy === "function" ? awaitable.copy() : awaitable;
    original(
      (async () => {
        try {
          await owned;
        } finally {
          if (typeof owned?.destroy === "function") owned.destroy();
        }
      })(),
    );
  };
  patchedContexts.add(ctx);
}

function globalWaitUntil(promise) {
  const ctx = currentContext.getStore();
  if (ctx) ctx.waitUntil(promise);
  else orphanWaits.push(Promise.resolve(promise).catch((e) => console.error(e)));
}

function* patchEnvHelper(env, overrides) {
  const entries = overrides?.toJs ? overrides.toJs({ dict_converter: Object.fromEntries }) : overrides;
  const saved = new Map();
  for (const [k, v] of Object.entries(entries ?? {})) {
    saved.set(k, Object.getOwnPropertyDescriptor(env, k));
    env[k] = v;
  }
  try {
    yield;
  } finally {
    for (const [k, descriptor] of saved) {
      if (descriptor) Object.defineProperty(env, k, descriptor);
      else delete env[k];
    }
  }
}

function sdkVersion(vendorRoot) {
  const dist = readdirSync(vendorRoot).find((d) => /^workers_runtime_sdk-.*\.dist-info$/.test(d));
  return dist ? dist.slice("workers_runtime_sdk-".length, -".dist-info".length) : "unknown";
}

export async function loadWorker(config, vendorRoot, env) {
  if (!existsSync(join(vendorRoot, "workers", "__init__.py"))) {
    throw new Error(
      `${vendorRoot} has no workers-runtime-sdk: run 'make install' (it vendors the pinned SDK)`,
    );
  }
  const { loadPyodide } = await import(config.pyodide.npm);
  const pyodide = await loadPyodide();
  if (pyodide.version !== config.pyodide.version) {
    throw new Error(`expected Pyodide ${config.pyodide.version}, npm gave ${pyodide.version}`);
  }

  pyodide.FS.mkdirTree(SESSION_DIR);
  pyodide.mountNodeFS(SESSION_DIR, realpathSync(dirname(config.main)));
  pyodide.FS.mkdirTree(VENDOR_DIR);
  pyodide.mountNodeFS(VENDOR_DIR, realpathSync(vendorRoot));

  const cloudflareWorkersModule = { env, waitUntil: globalWaitUntil };
  pyodide.registerJsModule("_pyodide_entrypoint_helper", {
    cloudflareWorkersModule,
    cloudflareSocketsModule: {
      connect() {
        throw new Error("cloudflare:sockets is not available in the offline runtime");
      },
    },
    async doAnImport(name) {
      if (name === "cloudflare:workers") return cloudflareWorkersModule;
      if (name.startsWith("python_modules/")) {
        return import(pathToFileURL(join(vendorRoot, name.slice("python_modules/".length))).href);
      }
      return import(name);
    },
    patch_env_helper: (overrides) => patchEnvHelper(env, overrides),
    patchWaitUntil,
  });
  pyodide.registerJsModule(
    "_cloudflare_compat_flags",
    new Proxy({ ...config.compatFlags }, { get: (flags, name) => flags[name] ?? false }),
  );

  const processPth = config.compatFlags.python_process_pth_files ? "True" : "False";
  pyodide.runPython(`
import os, site, sys
os.chdir(${JSON.stringify(SESSION_DIR)})
sys.path.insert(0, ${JSON.stringify(SESSION_DIR)})
if ${processPth}:
    site.addsitedir(${JSON.stringify(VENDOR_DIR)})
else:
    sys.path.append(${JSON.stringify(VENDOR_DIR)})
`);

  const shim = pyodide.runPython(
    "from types import ModuleType; ModuleType('_r2gate_offline_runtime')",
  );
  pyodide.runPython(readFileSync(join(HERE, "shim.py"), "utf8"), { globals: shim.__dict__ });

  const mainModule = pyodide.pyimport(basename(config.main, ".py"));
  const entrypoints = Array.from(shim.entrypoint_classes(mainModule));
  if (!entrypoints.includes("Default")) {
    throw new Error(`${config.main} exports no 'class Default(WorkerEntrypoint)'`);
  }
  const DefaultClass = mainModule.Default;

  // One invocation: a new Default(ctx, env) per event, as workerd does.
  async function call(handler, args, relaxed) {
    const ctx = new ExecutionContext();
    let instance;
    try {
      return await currentContext.run(ctx, async () => {
        instance = DefaultClass(ctx, env);
        return await shim.invoke(instance, handler, args, relaxed);
      });
    } finally {
      // waitUntil work finishes after the response has been handed back.
      const done = ctx
        .drain()
        .finally(() => instance?.destroy())
        .catch(() => {})
        .finally(() => draining.delete(done));
      draining.add(done);
    }
  }

  return {
    pyodideVersion: pyodide.version,
    sdkVersion: sdkVersion(vendorRoot),
    entrypoints,
    fetch: (request) => call("fetch", [request, undefined, undefined], true),
    scheduled: (controller) => call("scheduled", [controller, undefined, undefined], false),
    // Resolves once every waitUntil task of every finished invocation has settled.
    async idle() {
      while (draining.size || orphanWaits.length) {
        await Promise.all([...draining, ...orphanWaits.splice(0)]);
      }
    },
  };
}
