/**
 * The operator's SDK for joint computations, for Node and the browser: keys, the encrypted model,
 * decryption of scores, the operator's side of a private join and the identifiers it reads from a
 * text or CSV, and the calls to the API that carry them. Nothing here imports `node:` modules.
 */

export { MpcError, type TMpcErrorCode } from '../errors.ts';
export { PARAM_SETS, type TParamSet, type TParamSetId } from '../params.ts';
export { call, fetchParams, MpcApiError, type TMpcApi } from './api-client.ts';
export { createHeKeys, decryptScores, decryptSlots, encryptModel, splitResult, type THeKeys } from './he.ts';
export { csvRecords, parseIdentifiers, type TCsvRecord, type TIdentifiers } from './identifiers.ts';
export { answerPsi, startPsi, type TPsiOperator, type TPsiProgress } from './psi.ts';
