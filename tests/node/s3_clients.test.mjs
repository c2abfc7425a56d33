// aws-sdk-js v3 against r2gate's S3 surface (node:test; run by tests/http/test_s3_node.py).
// Env: R2GATE_URL, R2GATE_S3_BUCKET, R2GATE_S3_ACCESS_KEY_ID, R2GATE_S3_SECRET_ACCESS_KEY,
// R2GATE_S3_PREFIX (a key prefix unique to this run).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const base = process.env.R2GATE_URL;
const Bucket = process.env.R2GATE_S3_BUCKET;
const prefix = process.env.R2GATE_S3_PREFIX;
const client = new S3Client({
  endpoint: `${base}/api/s3`,
  region: "auto",
  forcePathStyle: true,
  maxAttempts: 1,
  credentials: {
    accessKeyId: process.env.R2GATE_S3_ACCESS_KEY_ID,
    secretAccessKey: process.env.R2GATE_S3_SECRET_ACCESS_KEY,
  },
});
const sent = [];
client.middlewareStack.add(
  (next) => async (args) => {
    sent.push({ ...args.request.headers });
    return next(args);
  },
  { step: "finalizeRequest", name: "recordHeaders", priority: "low" },
);

async function plainGet(key) {
  const path = key.split("/").map(encodeURIComponent).join("/");
  return fetch(`${base}/${path}`);
}

test("PutObject, GetObject with a Range, HeadObject, DeleteObject", async () => {
  const Key = `${prefix}node/hello wörld+1.txt`;
  const put = await client.send(
    new PutObjectCommand({ Bucket, Key, Body: "hello from node", ContentType: "text/plain" }),
  );
  assert.match(put.ETag, /^"[0-9a-f]+"$/);
  const got = await client.send(new GetObjectCommand({ Bucket, Key, Range: "bytes=6-9" }));
  assert.equal(got.ContentRange, "bytes 6-9/15");
  assert.equal(await got.Body.transformToString(), "from");
  const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
  assert.equal(head.ContentLength, 15);
  assert.equal(head.ContentType, "text/plain");
  assert.equal(await (await plainGet(Key)).text(), "hello from node");
  await client.send(new DeleteObjectCommand({ Bucket, Key }));
  assert.equal((await plainGet(Key)).status, 404);
});

test("a stream body travels aws-chunked with a trailing checksum", async () => {
  const Key = `${prefix}node/streamed.bin`;
  const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  sent.length = 0;
  await client.send(
    new PutObjectCommand({ Bucket, Key, Body: Readable.from([data]), ContentLength: data.length }),
  );
  const headers = sent.at(-1);
  assert.equal(headers["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  assert.match(headers["content-encoding"], /aws-chunked/);
  const stored = Buffer.from(await (await plainGet(Key)).arrayBuffer());
  assert.ok(stored.equals(data));
});

test("CRC32C checksums, as a header and as an aws-chunked trailer, and on DeleteObjects", async () => {
  const Key = `${prefix}node/crc32c.bin`;
  sent.length = 0;
  await client.send(
    new PutObjectCommand({ Bucket, Key, Body: Buffer.from("crc32c body"), ChecksumAlgorithm: "CRC32C" }),
  );
  assert.ok(sent.at(-1)["x-amz-checksum-crc32c"]);
  assert.equal(await (await plainGet(Key)).text(), "crc32c body");
  const data = Buffer.alloc(2 * 1024 * 1024 + 5, 3);
  await client.send(
    new PutObjectCommand({
      Bucket,
      Key: `${Key}.streamed`,
      Body: Readable.from([data]),
      ContentLength: data.length,
      ChecksumAlgorithm: "CRC32C",
    }),
  );
  assert.equal(sent.at(-1)["x-amz-trailer"], "x-amz-checksum-crc32c");
  assert.ok(Buffer.from(await (await plainGet(`${Key}.streamed`)).arrayBuffer()).equals(data));
  const deleted = await client.send(
    new DeleteObjectsCommand({
      Bucket,
      Delete: { Objects: [{ Key }, { Key: `${Key}.streamed` }] },
      ChecksumAlgorithm: "CRC32C",
    }),
  );
  assert.ok(sent.at(-1)["x-amz-checksum-crc32c"]);
  assert.equal(deleted.Deleted.length, 2);
  assert.equal((await plainGet(Key)).status, 404);
});

test("ListObjectsV2 pages", async () => {
  const folder = `${prefix}node/list/`;
  for (const name of ["a", "b", "c", "d", "e"]) {
    await client.send(new PutObjectCommand({ Bucket, Key: folder + name, Body: name }));
  }
  const keys = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client, pageSize: 2 }, { Bucket, Prefix: folder })) {
    pages += 1;
    keys.push(...(page.Contents ?? []).map((entry) => entry.Key));
  }
  assert.equal(pages, 3);
  assert.deepEqual(keys, ["a", "b", "c", "d", "e"].map((name) => folder + name));
});

test("multipart upload", async () => {
  const Key = `${prefix}node/parts.bin`;
  const part = Buffer.alloc(5 * 1024 * 1024, 1);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const one = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: part }));
  const two = await client.send(
    new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: Buffer.from("tail") }),
  );
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }, { PartNumber: 2, ETag: two.ETag }] },
    }),
  );
  const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
  assert.equal(head.ContentLength, part.length + 4);
});

test("presigned GET and PUT (s3-request-presigner), then plain fetch", async () => {
  const Key = `${prefix}node/presigned.png`;
  const putUrl = await getSignedUrl(
    client,
    new PutObjectCommand({ Bucket, Key, ContentType: "image/png" }),
    { expiresIn: 300 },
  );
  const put = await fetch(putUrl, { method: "PUT", body: "PNGDATA", headers: { "Content-Type": "image/png" } });
  assert.equal(put.status, 200, await put.text());
  const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key }), { expiresIn: 300 });
  const got = await fetch(getUrl);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get("content-type"), "image/png");
  assert.equal(await got.text(), "PNGDATA");
});

test("presigned POST (s3-presigned-post) sent as FormData", async () => {
  const { url, fields } = await createPresignedPost(client, {
    Bucket,
    Key: `${prefix}node/form/\${filename}`,
    Conditions: [
      ["content-length-range", 0, 1000],
      ["starts-with", "$Content-Type", "image/"],
    ],
    Fields: { "Content-Type": "image/jpeg" },
    Expires: 300,
  });
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("file", new Blob(["JPEGBYTES"]), "photo.jpg");
  const answer = await fetch(url, { method: "POST", body: form });
  assert.equal(answer.status, 204, await answer.text());
  const stored = await plainGet(`${prefix}node/form/photo.jpg`);
  assert.equal(await stored.text(), "JPEGBYTES");
  assert.equal(stored.headers.get("content-type"), "image/jpeg");
});
