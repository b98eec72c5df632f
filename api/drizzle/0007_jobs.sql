CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"ref_id" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"worker_id" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_kind_ref_idx" ON "jobs" USING btree ("kind","ref_id");--> statement-breakpoint
CREATE INDEX "jobs_queued_idx" ON "jobs" USING btree ("created_at","id") WHERE "jobs"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "jobs_running_idx" ON "jobs" USING btree ("worker_id","lease_until") WHERE "jobs"."status" = 'running';--> statement-breakpoint
-- Runs queued before the job queue existed become its first jobs; runs left running get a lease
-- that has already run out, so the reaper fails them (their workers held none).
INSERT INTO "jobs" ("id", "kind", "ref_id", "status", "attempts", "max_attempts", "worker_id", "lease_until", "created_at", "started_at")
SELECT 'job_' || "id", 'sandbox.run', "id", "status", "attempts", 1, "worker_id",
       CASE WHEN "status" = 'running' THEN now() END, "created_at", "started_at"
FROM "sandbox_runs" WHERE "status" IN ('queued', 'running');
