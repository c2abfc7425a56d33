// tus-js-client 4.x (Node) against r2gate's tus endpoint: sizes around the 5 MiB part size,
// several chunk sizes, parallelUploads (concatenation), an interruption and a resume from the
// stored URL. Every stored object's sha256 equals the file's. tests/http/test_tus_clients.py
// runs this file with R2GATE_URL, R2GATE_API_KEY and R2GATE_PREFIX set.
import assert from 'node:assert/strict'
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { FileUrlStorage, Upload } from 'tus-js-client'

const BASE = process.env.R2GATE_URL
const API_KEY = process.env.R2GATE_API_KEY
const PREFIX = process.env.R2GATE_PREFIX
const ENDPOINT = `${BASE}/api/v1/tus`
const MIB = 1024 * 1024
const AUTH = { Authorization: `Bearer ${API_KEY}` }

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

async function stored(key) {
  const response = await fetch(`${BASE}/${key}`, { headers: AUTH })
  assert.equal(response.status, 200, `GET ${key}`)
  return Buffer.from(await response.arrayBuffer())
}

function upload(file, options) {
  return new Promise((resolve, reject) => {
    const tus = new Upload(file, {
      endpoint: ENDPOINT,
      headers: AUTH,
      retryDelays: [0, 200, 500],
      ...options,
      onError: reject,
      onSuccess: () => resolve(tus),
    })
    tus.start()
  })
}

async function roundTrip(size, chunkSize, name) {
  const file = randomBytes(size)
  const key = `${PREFIX}${name}`
  const options = { metadata: { key, filetype: 'application/octet-stream' } }
  if (chunkSize !== undefined) options.chunkSize = chunkSize
  const done = await upload(file, options)
  assert.match(done.url, /\/api\/v1\/tus\/[0-9a-f]{64}$/)
  assert.equal(sha256(await stored(key)), sha256(file))
}

const CASES = [
  [0, undefined, 'empty'],
  [1, 1, 'one-byte'],
  [64, 1, 'small-in-1-byte-chunks'],
  [5 * MIB - 1, 500 * 1024, '5mib-minus-1-in-500k'],
  [5 * MIB, MIB, '5mib-in-1mib'],
  [5 * MIB + 1, 5 * MIB + 1, '5mib-plus-1-in-5mib-plus-1'],
  [5 * MIB + 1, undefined, '5mib-plus-1-whole'],
  [64 * MIB, 5 * MIB + 1, '64mib-in-5mib-plus-1'],
]

for (const [size, chunkSize, name] of CASES) {
  test(`${size} bytes in chunks of ${chunkSize ?? 'the whole file'}`, () =>
    roundTrip(size, chunkSize, name))
}

test('parallelUploads: 3 (concatenation) with a grant token', async () => {
  const key = `${PREFIX}parallel.bin`
  const grant = await fetch(`${BASE}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ key, content_type: 'application/octet-stream', multipart: true }),
  })
  assert.equal(grant.status, 201)
  const { multipart } = await grant.json()
  assert.equal(multipart.tus_endpoint, ENDPOINT)
  const file = randomBytes(11 * MIB + 3)
  await upload(file, {
    endpoint: multipart.tus_endpoint,
    headers: { Authorization: `Bearer ${multipart.token}` },
    parallelUploads: 3,
    metadata: { filetype: 'application/octet-stream' },
  })
  assert.equal(sha256(await stored(key)), sha256(file))
})

test('an upload interrupted at a random offset resumes from its stored URL', async () => {
  const key = `${PREFIX}resumed.bin`
  const file = randomBytes(12 * MIB + 5)
  const urlStorage = new FileUrlStorage(join(mkdtempSync(join(tmpdir(), 'tus-')), 'urls.json'))
  const cut = randomInt(1, file.length - 1)
  const options = { metadata: { key }, chunkSize: MIB, urlStorage, storeFingerprintForResuming: true }
  await new Promise((resolve, reject) => {
    const tus = new Upload(file, {
      endpoint: ENDPOINT,
      headers: AUTH,
      ...options,
      onError: reject,
      onSuccess: () => reject(new Error('finished before the interruption')),
      onProgress: (sent) => {
        if (sent >= cut) tus.abort().then(resolve, reject)
      },
    })
    tus.start()
  })
  const resumed = new Upload(file, { endpoint: ENDPOINT, headers: AUTH, ...options })
  const previous = await resumed.findPreviousUploads()
  assert.equal(previous.length, 1)
  await new Promise((resolve, reject) => {
    resumed.options.onError = reject
    resumed.options.onSuccess = resolve
    resumed.resumeFromPreviousUpload(previous[0])
    resumed.start()
  })
  assert.equal(resumed.url, previous[0].uploadUrl)
  assert.equal(sha256(await stored(key)), sha256(file))
})
