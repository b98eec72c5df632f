CREATE TABLE "sharing_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"holder_org_id" text NOT NULL,
	"requester_org_id" text NOT NULL,
	"requested_by" text NOT NULL,
	"columns" text[] NOT NULL,
	"duty" text NOT NULL,
	"purpose" text NOT NULL,
	"systems" text[] NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"granted_columns" text[],
	"reason" text,
	"due_at" timestamp with time zone,
	"is_due_official" boolean,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD CONSTRAINT "sharing_requests_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD CONSTRAINT "sharing_requests_holder_org_id_orgs_id_fk" FOREIGN KEY ("holder_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD CONSTRAINT "sharing_requests_requester_org_id_orgs_id_fk" FOREIGN KEY ("requester_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sharing_requests" ADD CONSTRAINT "sharing_requests_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sharing_requests_holder_idx" ON "sharing_requests" USING btree ("holder_org_id","created_at");--> statement-breakpoint
CREATE INDEX "sharing_requests_requester_idx" ON "sharing_requests" USING btree ("requester_org_id","created_at");