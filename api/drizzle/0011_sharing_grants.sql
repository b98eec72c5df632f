CREATE TABLE "sharing_grant_usage" (
	"request_id" text NOT NULL,
	"day" date NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sharing_grant_usage_request_id_day_pk" PRIMARY KEY("request_id","day")
);
--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "daily_calls" integer DEFAULT 10000 NOT NULL;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "urge_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "urged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "objection" text;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "objected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "ruling" text;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "ruled_by" text;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "ruled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "revoked_by" text;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "revoked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD COLUMN "revoke_reason" text;--> statement-breakpoint
ALTER TABLE "sharing_grant_usage" ADD CONSTRAINT "sharing_grant_usage_request_id_sharing_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."sharing_requests"("id") ON DELETE no action ON UPDATE no action;