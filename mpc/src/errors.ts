/**
 * Why joint-computation input was refused. Stable: the API's status table and the CLI switch on
 * these, never on messages.
 */
export type TMpcErrorCode =
  /** No parameter set of that name. */
  | 'MPC_PARAMS_UNKNOWN'
  /** More bytes than any object of that kind may have under its parameter set. */
  | 'MPC_BYTES_TOO_LARGE'
  /** Not a SEAL object of the expected kind and size: bad header, wrong length, truncated. */
  | 'MPC_BYTES_MALFORMED'
  /** A SEAL object in a compressed serialisation (only uncompressed data is accepted). */
  | 'MPC_BYTES_COMPRESSED'
  /** Well framed, but SEAL's validating load refused it against the session's parameters. */
  | 'MPC_BYTES_INVALID'
  /** A blinded point that is not a valid point of Curve25519's prime-order group. */
  | 'MPC_POINT_INVALID'
  /** A model or protocol input of the wrong shape (count of ciphertexts, degree, sizes). */
  | 'MPC_INPUT_INVALID'
  /** The operation needs a key the session was not given (relinearisation keys for a polynomial). */
  | 'MPC_KEYS_MISSING'
  /** The worker process running the computation died or overran its time; nothing was released. */
  | 'MPC_WORKER_FAILED';

/**
 * The one error this package throws on purpose. Branch on `code`.
 *
 * @example
 * try { checkSerialized(bytes, 'ciphertext', set) } catch (e) { if (e instanceof MpcError) reply(e.code) }
 */
export class MpcError extends Error {
  readonly code: TMpcErrorCode;

  constructor(code: TMpcErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MpcError';
    this.code = code;
  }
}
