// The uploader modules' decisions, as JavaScript, in Node (node --test tests/js; make test).
// What a person sees before a byte is sent: which file a link takes, where it goes, how it
// goes up, and the words and numbers on the page. The uploads themselves run in Chromium
// against wrangler dev (tests/browser).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Upload,
  UploadError,
  contentTypeFor,
  keyFor,
  objectUrl,
  readToken,
} from "../../public/api/v1/uploader.js";
import {
  describeError,
  formatBytes,
  formatDuration,
  pageOptions,
} from "../../public/api/v1/uploader-ui.js";

const now = Math.floor(Date.now() / 1000);

/** A token as r2gate shapes it; the page reads the claims without verifying them (the
 * server verifies), so the signature segment is never looked at here. */
function token(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ exp: now + 600, ...claims })}.c2ln`;
}

const file = (name, size, type = "") => new File([new Uint8Array(size)], name, { type });

test("readToken reads a put or mpu token's claims, UTF-8 keys included", () => {
  const claims = readToken(token({ op: "put", key: "models/chaise-longue-é.glb", max: 10 }));
  assert.equal(claims.key, "models/chaise-longue-é.glb");
  assert.equal(readToken(token({ op: "mpu", prefix: "u/42/" })).prefix, "u/42/");
});

test("readToken refuses what is no upload token", () => {
  for (const bad of [
    undefined,
    "",
    "not-a-token",
    "a.b",
    "a.%%%.c",
    `x.${Buffer.from("{").toString("base64url")}.y`,
    token({ op: "get", key: "a.txt" }), // a download token
    token({ op: "put" }), // neither key nor prefix
  ]) {
    assert.equal(readToken(bad), null, String(bad));
  }
});

test("a file goes to the token's key, or to its prefix and the file's name", () => {
  assert.equal(keyFor({ key: "a/b.png" }, file("photo.png", 1)), "a/b.png");
  assert.equal(keyFor({ prefix: "u/42/" }, file("photo.png", 1)), "u/42/photo.png");
  assert.equal(
    objectUrl("https://assets.example.com", "u/42/my photo#1.png", "token=t"),
    "https://assets.example.com/u/42/my%20photo%231.png?token=t",
  );
});

test("the media type sent: the file's when allowed, the token's one type when unknown", () => {
  const images = { ct: ["image/*"] };
  assert.equal(contentTypeFor(images, file("a.png", 1, "image/png")), "image/png");
  assert.equal(contentTypeFor(images, file("a.txt", 1, "text/plain")), null);
  assert.equal(contentTypeFor({ ct: ["model/gltf-binary"] }, file("a.glb", 1)), "model/gltf-binary");
  assert.equal(contentTypeFor({ ct: ["image/png", "image/jpeg"] }, file("a", 1)), null);
  assert.equal(contentTypeFor({}, file("scan.ply", 1)), ""); // the server picks by extension
});

test("an active type (HTML, SVG, JavaScript) goes only where the token names it", () => {
  const svg = file("logo.svg", 1, "image/svg+xml");
  assert.equal(contentTypeFor({ ct: ["image/*"] }, svg), null);
  assert.equal(contentTypeFor({ ct: ["*/*"] }, file("page.html", 1, "text/html")), null);
  assert.equal(contentTypeFor({ ct: ["image/svg+xml"] }, svg), "image/svg+xml");
  assert.equal(contentTypeFor({}, file("app.js", 1, "text/javascript")), null);
  assert.equal(contentTypeFor({ ct: ["text/plain; charset=utf-8"] }, file("a.txt", 1, "text/plain")), "text/plain");
});

test("small files go in one PUT, large ones in parts when there is an mpu token", () => {
  const put = token({ op: "put", key: "a.bin", max: 5000 });
  const mpu = token({ op: "mpu", key: "a.bin", max: 1e9 });
  const options = { token: put, multipartToken: mpu, multipartThreshold: 1000 };
  assert.equal(new Upload(file("a.bin", 999), options).method, "put");
  assert.equal(new Upload(file("a.bin", 1001), options).method, "multipart");
  const putOnly = new Upload(file("a.bin", 1001), { ...options, multipartToken: undefined });
  assert.equal(putOnly.method, "put");
  assert.equal(putOnly.problem, null);
});

test("a file the link cannot take is refused before anything is sent", () => {
  const put = token({ op: "put", key: "a.png", max: 100, ct: ["image/png"] });
  const large = new Upload(file("a.png", 101, "image/png"), { token: put });
  assert.equal(large.problem.code, "too_large");
  assert.match(large.problem.message, /larger than this link allows \(100 bytes\)/);
  const text = new Upload(file("a.txt", 10, "text/plain"), { token: put });
  assert.equal(text.problem.code, "unsupported_media_type");
  assert.equal(text.problem.message, "This link does not take text/plain files.");
  const exact = token({ op: "put", key: "a.png", len: 10 });
  assert.equal(new Upload(file("a.png", 9), { token: exact }).problem.code, "length_mismatch");
});

test("an unreadable link throws invalid_token", () => {
  assert.throws(
    () => new Upload(file("a", 1), { token: "garbage" }),
    (error) => error instanceof UploadError && error.code === "invalid_token",
  );
  const put = token({ op: "put", key: "a" });
  assert.throws(() => new Upload(file("a", 1), { token: put, multipartToken: put }), UploadError);
});

test("errors are told in words", () => {
  const expired = new UploadError("Token expired.", { status: 401, code: "token_expired" });
  assert.equal(describeError(expired), "This upload link has expired. Ask for a new one.");
  const odd = new UploadError("bad claim", { status: 401, code: "token_claims" });
  assert.equal(describeError(odd), "This upload link is not valid (bad claim). Ask for a new one.");
  assert.equal(describeError(new UploadError("", { code: "network_error" })), "The upload failed.");
});

test("sizes and times as people read them", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(40_000_000), "40.0 MB");
  assert.equal(formatBytes(5 * 1000 ** 5), "5000.0 TB");
  assert.equal(formatDuration(4.2), "5 s");
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3700), "1:01:40");
});

test("page options: the fragment wins over data attributes, whole numbers only", () => {
  const params = new URLSearchParams("threshold=16777216&parallel=0&part_size=1e6");
  const dataset = { multipartThreshold: "1", retries: "2", partSize: "8388608" };
  assert.deepEqual(pageOptions(params, dataset), {
    multipartThreshold: 16777216,
    parallel: 1, // at least one part in flight
    retries: 2, // not in the fragment: the attribute's
    // part_size=1e6 is no whole number: ignored, and the server's default applies
  });
});
