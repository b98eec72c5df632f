import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node's HTTP parser refuses before the app sees them (raw non-ASCII in the URL, a bad
 * header, an oversized head) get a problem+json with a code, as every other refusal does, instead
 * of Node's bare `400 Bad Request`.
 */
export function answerClientErrors(server: Pick<Server, 'on'>): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const isTooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = isTooLarge ? 431 : 400;
    const body = JSON.stringify({
      type: 'urn:enclave:error:malformed-request',
      title: 'Malformed request',
      status,
      code: 'MALFORMED_REQUEST',
      detail: isTooLarge
        ? 'the request head is too large'
        : 'the request line or a header cannot be read: percent-encode non-ASCII characters in the URL (RFC 3986)',
      instance: '',
      requestId: randomUUID(),
    });
    socket.end(
      `HTTP/1.1 ${status} ${isTooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
