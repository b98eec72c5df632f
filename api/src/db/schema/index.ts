export * from './accounts.ts';
export * from './audit.ts';
export * from './datasets.ts';
export * from './jobs.ts';
export * from './licences.ts';
export * from './mpc.ts';
export * from './sandbox.ts';
export * from './sharing.ts';
