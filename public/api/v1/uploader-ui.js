// The uploader page (/api/v1/uploader, uploader.html). Its upload tokens come from the URL
// fragment, which browsers never send to a server:
//   #token=<put or mpu token>[&mpu=<mpu token>][&threshold=<bytes>][&parallel=<n>]
//   [&part_size=<bytes>][&retries=<n>]
// The options may also be data attributes of the [data-r2gate-uploader] element
// (data-multipart-threshold, data-parallel, data-part-size, data-retries); the fragment wins.
import { Upload, UploadError, readToken } from "./uploader.js";

const FRIENDLY = {
  token_expired: "This upload link has expired. Ask for a new one.",
  token_not_yet_valid: "This upload link is not valid yet. Check your computer's clock.",
  token_scope: "This upload link does not allow this upload.",
  already_exists: "A file was already uploaded with this link.",
  invalid_token: "This upload link is not valid. Ask for a new one.",
};

/** A message for people: r2gate's error codes made friendlier. */
export function describeError(error) {
  if (FRIENDLY[error.code]) return FRIENDLY[error.code];
  if (String(error.code).startsWith("token_")) {
    return `This upload link is not valid (${error.message}). Ask for a new one.`;
  }
  return error.message || "The upload failed.";
}

/** 40_000_000 -> "40.0 MB" (decimal units, as file managers show them). */
export function formatBytes(bytes) {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 75 -> "1:15", 4.2 -> "5 s", 3700 -> "1:01:40". */
export function formatDuration(seconds) {
  const total = Math.ceil(seconds);
  if (total < 60) return `${total} s`;
  const pad = (n) => String(n).padStart(2, "0");
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Upload options from the fragment, else the element's data attributes. */
export function pageOptions(params, dataset) {
  const names = {
    multipartThreshold: ["threshold", "multipartThreshold", 0],
    parallel: ["parallel", "parallel", 1],
    partSize: ["part_size", "partSize", 1],
    retries: ["retries", "retries", 0],
  };
  const options = {};
  for (const [option, [param, data, minimum]] of Object.entries(names)) {
    const raw = params.get(param) ?? dataset[data];
    if (raw === undefined || raw === null || !/^\d{1,15}$/.test(raw)) continue;
    options[option] = Math.max(minimum, Number(raw));
  }
  return options;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

class Row {
  constructor(file, list) {
    this.file = file;
    this.upload = null;
    this.node = element("li", "upload");
    this.node.dataset.state = "ready";
    const head = element("div", "line");
    const size = element("span", "size", formatBytes(file.size));
    head.append(element("span", "name", file.name), size);
    this.bar = element("progress", "bar");
    this.bar.max = 100;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", `Upload of ${file.name}`);
    const foot = element("div", "line");
    this.stats = element("span", "stats", "Waiting");
    this.cancelButton = element("button", "cancel", "Cancel");
    this.retryButton = element("button", "retry", "Retry");
    this.cancelButton.type = this.retryButton.type = "button";
    this.retryButton.hidden = true;
    const actions = element("span", "actions");
    actions.append(this.cancelButton, this.retryButton);
    foot.append(this.stats, actions);
    this.error = element("p", "error");
    this.error.setAttribute("role", "alert");
    this.error.hidden = true;
    this.result = element("p", "result");
    this.result.hidden = true;
    this.node.append(head, this.bar, foot, this.error, this.result);
    list.append(this.node);
  }

  setState(state) {
    this.node.dataset.state = state;
    this.cancelButton.hidden = state !== "uploading" && state !== "ready";
    this.retryButton.hidden = state !== "failed" && state !== "cancelled";
    this.retryButton.textContent = state === "cancelled" ? "Start again" : "Retry";
  }

  showProgress({ loaded, total, percent, bytesPerSecond, secondsLeft }) {
    this.bar.value = percent;
    const parts = [`${Math.floor(percent)}%`, `${formatBytes(loaded)} of ${formatBytes(total)}`];
    if (bytesPerSecond) parts.push(`${(bytesPerSecond / 1e6).toFixed(1)} MB/s`);
    if (secondsLeft !== null && loaded < total) parts.push(`${formatDuration(secondsLeft)} left`);
    this.stats.textContent = parts.join(" · ");
  }

  showError(error) {
    this.error.textContent = describeError(error);
    this.error.hidden = false;
  }

  showResult(url) {
    const link = element("a", "result-link", url);
    link.href = url;
    link.rel = "noopener";
    const copy = element("button", "copy", "Copy link");
    copy.type = "button";
    copy.addEventListener("click", () => {
      navigator.clipboard?.writeText(url).then(() => {
        copy.textContent = "Copied";
      });
    });
    this.result.replaceChildren(element("span", "", "Uploaded: "), link, " ", copy);
    this.result.hidden = false;
  }
}

class Page {
  constructor(root) {
    this.root = root;
    this.input = root.querySelector("#file");
    this.drop = root.querySelector("#drop");
    this.list = root.querySelector("#uploads");
    this.message = root.querySelector("#message");
    this.rows = [];
    this.queue = Promise.resolve();
    const params = new URLSearchParams(window.location.hash.slice(1));
    this.token = params.get("token");
    this.multipartToken = params.get("mpu");
    this.options = pageOptions(params, root.dataset);
    this.claims = readToken(this.token);
    const second = this.multipartToken ? readToken(this.multipartToken) : null;
    if (!this.claims || (this.multipartToken && second?.op !== "mpu")) {
      this.fail("This upload link is not valid: it carries no readable upload token.");
      return;
    }
    this.single = typeof this.claims.key === "string";
    this.describeTarget();
    this.input.multiple = !this.single;
    this.input.addEventListener("change", () => {
      this.add([...this.input.files]);
      this.input.value = "";
    });
    for (const type of ["dragenter", "dragover"]) {
      this.drop.addEventListener(type, (event) => {
        event.preventDefault();
        this.drop.classList.add("over");
      });
    }
    this.drop.addEventListener("dragleave", () => this.drop.classList.remove("over"));
    this.drop.addEventListener("drop", (event) => {
      event.preventDefault();
      this.drop.classList.remove("over");
      if (!this.input.disabled) this.add([...(event.dataTransfer?.files || [])]);
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.rows.some((row) => row.node.dataset.state === "uploading")) event.preventDefault();
    });
    root.dataset.state = "ready";
  }

  fail(text) {
    this.message.textContent = text;
    this.message.hidden = false;
    this.input.disabled = true;
    this.drop.classList.add("disabled");
    this.root.dataset.state = "invalid";
  }

  describeTarget() {
    const claims = this.claims;
    const where = this.single ? `Uploads to ${claims.key}` : `Uploads into ${claims.prefix}`;
    const facts = [where];
    if (Array.isArray(claims.ct)) facts.push(`types: ${claims.ct.join(", ")}`);
    if (Number.isFinite(claims.exp)) {
      facts.push(`link valid until ${new Date(claims.exp * 1000).toLocaleString()}`);
    }
    this.root.querySelector("#target").textContent = facts.join(" · ");
    this.root.querySelector("h1").textContent = this.single ? "Upload a file" : "Upload files";
  }

  add(files) {
    if (files.length === 0) return;
    this.message.hidden = true;
    if (this.single && files.length > 1) {
      this.message.textContent = "This link takes one file: only the first one is uploaded.";
      this.message.hidden = false;
    }
    for (const file of this.single ? files.slice(0, 1) : files) {
      const row = new Row(file, this.list);
      this.rows.push(row);
      row.cancelButton.addEventListener("click", () => this.cancel(row));
      row.retryButton.addEventListener("click", () => this.retry(row));
      this.queue = this.queue.then(() => this.run(row));
    }
    this.updateInput();
  }

  cancel(row) {
    if (!row.upload) {
      row.setState("cancelled"); // still queued: never started
      row.stats.textContent = "Cancelled.";
      this.updateInput();
      return;
    }
    row.cancelButton.disabled = true;
    row.upload.cancel().finally(() => {
      row.cancelButton.disabled = false;
    });
  }

  retry(row) {
    if (row.upload) row.upload.start().catch(() => {});
    else {
      row.setState("ready");
      this.queue = this.queue.then(() => this.run(row));
    }
    this.updateInput();
  }

  /** A single-key link takes another file only once earlier ones failed or were cancelled. */
  updateInput() {
    if (!this.single) return;
    const states = this.rows.map((row) => row.node.dataset.state);
    const busy = states.some((state) => ["ready", "uploading", "done"].includes(state));
    this.input.disabled = busy;
    this.drop.classList.toggle("disabled", busy);
  }

  async run(row) {
    if (row.node.dataset.state !== "ready") return; // cancelled while queued
    let upload;
    try {
      upload = new Upload(row.file, {
        ...this.options,
        token: this.token,
        multipartToken: this.multipartToken || undefined,
      });
    } catch (error) {
      row.setState("failed");
      row.retryButton.hidden = true;
      row.showError(error instanceof UploadError ? error : new UploadError(String(error)));
      this.updateInput();
      return;
    }
    row.upload = upload;
    const sync = () => {
      row.setState(upload.state);
      this.updateInput();
    };
    upload.addEventListener("start", () => {
      row.error.hidden = true;
      sync();
    });
    upload.addEventListener("progress", (event) => row.showProgress(event.detail));
    upload.addEventListener("retry", (event) => {
      const { attempt, delayMs } = event.detail;
      const wait = formatDuration(delayMs / 1000);
      row.stats.textContent = `Connection trouble: retry ${attempt} in ${wait}`;
    });
    upload.addEventListener("done", (event) => {
      sync();
      row.showResult(event.detail.url);
    });
    upload.addEventListener("error", (event) => {
      sync();
      row.showError(event.detail.error);
      if (upload.problem) row.retryButton.hidden = true;
    });
    upload.addEventListener("cancel", () => {
      sync();
      row.stats.textContent = "Cancelled: nothing was stored.";
    });
    await upload.start().catch(() => {});
  }
}

// Outside a page (node --test imports this module for its helpers) there is nothing to drive.
const root = globalThis.document?.querySelector("[data-r2gate-uploader]");
if (root) {
  new Page(root);
  window.addEventListener("hashchange", () => window.location.reload()); // another link
}
