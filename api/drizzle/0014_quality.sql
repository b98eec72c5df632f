CREATE TABLE "quality_issues" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"column" text NOT NULL,
	"rule" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"first_version" integer NOT NULL,
	"last_version" integer NOT NULL,
	"checked" bigint NOT NULL,
	"failing" bigint NOT NULL,
	"rectified_version" integer,
	"responses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"closed_by" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quality_reports" (
	"dataset_id" text NOT NULL,
	"version" integer NOT NULL,
	"score" double precision NOT NULL,
	"row_count" bigint NOT NULL,
	"checked" bigint NOT NULL,
	"failing" bigint NOT NULL,
	"results" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "quality_issues" ADD CONSTRAINT "quality_issues_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quality_issues" ADD CONSTRAINT "quality_issues_closed_by_users_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quality_reports" ADD CONSTRAINT "quality_reports_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quality_issues_dataset_idx" ON "quality_issues" USING btree ("dataset_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "quality_issues_one_open" ON "quality_issues" USING btree ("dataset_id","column","rule") WHERE status = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "quality_reports_pk" ON "quality_reports" USING btree ("dataset_id","version");