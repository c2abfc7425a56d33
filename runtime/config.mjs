// Reads wrangler.toml and .dev.vars the way workerd/wrangler interpret them for a Python Worker.
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";

// Date-gated compatibility flags that change Python Worker behaviour (workerd's
// compatibility-date.capnp). A flag listed in compatibility_flags turns it on; "no_<flag>" off.
const DATE_GATED_FLAGS = {
  python_no_global_handlers: "2025-08-14",
  python_request_headers_preserve_commas: "2026-02-17",
  enable_python_external_sdk: "2026-04-21",
  python_process_pth_files: "2026-05-26",
};
// Flags the SDK reads from _cloudflare_compat_flags that have no default-on date.
const OPT_IN_FLAGS = ["python_workflows_implicit_dependencies", "python_workers_20260610"];

// Pyodide builds selected by workerd (see ../shared/notes/python-workers-runtime.md).
const PYODIDE_DEFAULT = { version: "0.28.2", npm: "pyodide", python: "3.13" };
const PYODIDE_20260610 = { version: "314.0.4", npm: "pyodide-314", python: "3.14" };
const PYODIDE_0282_FROM = "2025-09-29";

export function loadConfig(configPath) {
  const path = resolve(configPath);
  const raw = parseToml(readFileSync(path, "utf8"));
  const root = dirname(path);
  const flags = raw.compatibility_flags ?? [];
  const date = raw.compatibility_date;
  if (!date) throw new Error(`${path}: compatibility_date is required`);
  if (!flags.includes("python_workers")) {
    throw new Error(`${path}: compatibility_flags must include "python_workers"`);
  }
  if (!raw.main || !raw.main.endsWith(".py")) {
    throw new Error(`${path}: main must name a .py module (got ${raw.main})`);
  }
  return {
    path,
    root,
    name: raw.name ?? "worker",
    main: resolve(root, raw.main),
    compatibilityDate: date,
    compatibilityFlags: flags,
    compatFlags: compatFlags(date, flags),
    pyodide: pyodideFor(date, flags),
    vars: raw.vars ?? {},
    r2Buckets: raw.r2_buckets ?? [],
    crons: raw.triggers?.crons ?? [],
  };
}

export function compatFlags(date, flags) {
  const result = {};
  for (const [flag, since] of Object.entries(DATE_GATED_FLAGS)) {
    result[flag] = date >= since;
  }
  for (const flag of OPT_IN_FLAGS) result[flag] = false;
  for (const flag of flags) {
    if (flag.startsWith("no_")) result[flag.slice(3)] = false;
    else result[flag] = true;
  }
  return result;
}

export function pyodideFor(date, flags) {
  if (flags.includes("python_workers_20260610")) return PYODIDE_20260610;
  if (date >= PYODIDE_0282_FROM) return PYODIDE_DEFAULT;
  throw new Error(
    `compatibility_date ${date} selects a Pyodide older than 0.28.2, which the offline runtime does not ship`,
  );
}

// .dev.vars uses dotenv syntax: KEY=value, optional quotes, # comments.
export function loadDevVars(root) {
  const path = resolve(root, ".dev.vars");
  if (!existsSync(path)) return {};
  const vars = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq < 1) continue;
    const key = trimmed.slice(0, eq).trim();
    let value = trimmed.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
      value = value.slice(1, -1);
    }
    vars[key] = value;
  }
  return vars;
}
