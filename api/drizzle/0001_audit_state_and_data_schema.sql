INSERT INTO "audit_log_state" ("id", "size") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS "enclave_data";
