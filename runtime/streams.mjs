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

// A web stream over a Node readable (an HTTP request or response) that reads only as fast as
// its consumer takes bytes. (Readable.toWeb reads ahead without bound when the consumer is
// slower than the peer.)
export function nodeBodyStream(readable) {
  const chunks = readable[Symbol.asyncIterator]();
  return new ReadableStream(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      cancel(reason) {
        readable.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
