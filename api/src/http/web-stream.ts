/** A pull-based web stream over an async generator, starting with a chunk already read. */
export function toWebStream(
  first: Uint8Array | undefined,
  rest: AsyncGenerator<Uint8Array>,
): ReadableStream<Uint8Array> {
  let pending = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = undefined;
          return;
        }
        const next = await rest.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await rest.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
