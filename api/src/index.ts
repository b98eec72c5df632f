export { createApp } from './app.ts';
export { parseConfig, type TConfig } from './config.ts';
export { type Database, openDatabase } from './db/client.ts';
export { migrateDatabase } from './db/migrate.ts';
export type { Deps } from './deps.ts';
export { createDeps, startServer } from './server.ts';
