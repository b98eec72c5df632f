/**
 * CSV bodies for the test dataset of `datasetBody()` (city_code, day, aqi, pm25): short rows,
 * made as they are read, so a few hundred thousand cost no memory.
 */
const HEADER = 'city_code,day,aqi,pm25\n';
const ROWS_PER_CHUNK = 5_000;

function chunk(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++)
    out += `${110000 + (i % 9000)},2024-01-${String(1 + (i % 28)).padStart(2, '0')},${i % 500},${i % 97}.5\n`;
  return out;
}

/** A whole body of `rows` rows. */
export const csvRows = (rows: number) => HEADER + chunk(0, rows);

export type TGatedUpload = {
  body: ReadableStream<Uint8Array>;
  /** Resolves once the reader has taken the rows before the gate: the upload is mid-way. */
  atGate: Promise<void>;
  /** Lets the rest of the rows through. */
  open(): void;
};

/**
 * A body of `rows` rows that stops after `gateAt` of them until `open()` is called: the server
 * has streamed part of the upload and waits for more, so a fault injected then lands in the middle
 * of the upload whatever the machine's speed.
 */
export function gatedCsv(rows: number, gateAt: number): TGatedUpload {
  const encoder = new TextEncoder();
  let sent = 0;
  let reachGate = () => {};
  const atGate = new Promise<void>((resolve) => {
    reachGate = resolve;
  });
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(HEADER));
      },
      async pull(controller) {
        if (sent >= gateAt) {
          reachGate();
          await gate;
        }
        if (sent >= rows) return controller.close();
        const end = Math.min(rows, sent + ROWS_PER_CHUNK, sent < gateAt ? gateAt : rows);
        controller.enqueue(encoder.encode(chunk(sent, end)));
        sent = end;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, atGate, open: openGate };
}
