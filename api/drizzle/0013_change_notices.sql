CREATE TABLE "change_notices" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"what" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"is_due_official" boolean NOT NULL,
	"followed_at" timestamp with time zone,
	"followed_by" text
);
--> statement-breakpoint
ALTER TABLE "change_notices" ADD CONSTRAINT "change_notices_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_notices" ADD CONSTRAINT "change_notices_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_notices" ADD CONSTRAINT "change_notices_followed_by_users_id_fk" FOREIGN KEY ("followed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "change_notices_dataset_idx" ON "change_notices" USING btree ("dataset_id","recorded_at");