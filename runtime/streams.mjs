// Streams whose byte length is known up front, as workerd tracks them: an incoming request
// body with Content-Length, an R2 object body, or the readable side of a FixedLengthStream.
export const knownLengths = new WeakMap();

export function withKnownLength(stream, length) {
  if (stream) knownLengths.set(stream, length);
  return stream;
}

// workerd's FixedLengthStream: a TransformStream whose readable side has a declared length
// and which errors if more or fewer bytes pass through.
export class FixedLengthStream extends TransformStream {
  constructor(expectedLength) {
    const expected = Number(expectedLength);
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new TypeError("FixedLengthStream requires a non-negative integer length");
    }
    let seen = 0;
    super({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > expected) {
          controller.error(new TypeError("Attempt to write too many bytes through a FixedLengthStream."));
          return;
        }
        controller.enqueue(chunk);
      },
      flush(controller) {
        if (seen !== expected) {
          controller.error(new TypeError("FixedLengthStream did not see all expected bytes before close()."));
        }
      },
    });
    knownLengths.set(this.readable, expected);
  }
}

// Reads a known-length stream into one buffer, checking the length like workerd does.
export async function readExactly(stream, length) {
  const out = new Uint8Array(length);
  let offset = 0;
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
    if (offset + chunk.byteLength > length) {
      await reader.cancel().catch(() => {});
      throw new TypeError("Stream body is longer than its declared length.");
    }
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== length) throw new TypeError("Stream body ended before its declared length.");
  return out;
}

// Miniflare's proxy streams crash the process when cancelled mid-pipe (its prefixStream
// aborts a released writer). workerd's streams cancel cleanly, so the offline runtime hands
// Python a wrapper whose cancel() drains the proxy stream into a null sink instead.
export function cancelSafe(stream) {
  if (!stream) return stream;
  const reader = stream.getReader();
  const safe = new ReadableStream(
    {
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        (async () => {
          for (;;) if ((await reader.read()).done) break;
        })().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  const length = knownLengths.get(stream);
  if (length !== undefined) knownLengths.set(safe, length);
  return safe;
}
