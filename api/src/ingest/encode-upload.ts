// Placeholder so the app loads until the real encoder lands; replace this whole file.
import type { TColumn } from '../catalogue/dataset-schema.ts';
export type TRowError = { line: number; column?: string; reason: string };
export class UploadRejected extends Error {
  readonly errors: TRowError[] = [];
}
export type TUploadSummary = { rowCount: number; digest: string };
export type TEncodeOptions = { format: 'csv' | 'ndjson'; columns: TColumn[]; version: number };
export function encodeUpload(
  _source: AsyncIterable<Uint8Array>,
  _opts: TEncodeOptions,
): { chunks: AsyncGenerator<string>; summary(): TUploadSummary } {
  throw new Error('encoder not implemented yet');
}
