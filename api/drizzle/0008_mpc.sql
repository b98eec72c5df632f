CREATE TABLE "mpc_computations" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"kind" text NOT NULL,
	"contract_id" text NOT NULL,
	"operator_org_id" text NOT NULL,
	"created_by" text NOT NULL,
	"spec" jsonb NOT NULL,
	"input" "bytea",
	"input_sha256" text NOT NULL,
	"status" text NOT NULL,
	"result" jsonb,
	"output" "bytea",
	"error_code" text,
	"error_message" text,
	"epsilon_charged" double precision DEFAULT 0 NOT NULL,
	"dataset_versions" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mpc_models" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"ciphertexts" "bytea" NOT NULL,
	"count" integer NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mpc_point_cache" (
	"dataset_id" text NOT NULL,
	"version" integer NOT NULL,
	"column" text NOT NULL,
	"points" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mpc_point_cache_dataset_id_version_column_pk" PRIMARY KEY("dataset_id","version","column")
);
--> statement-breakpoint
CREATE TABLE "mpc_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"contract_id" text NOT NULL,
	"operator_org_id" text NOT NULL,
	"created_by" text NOT NULL,
	"param_set" text,
	"relin_keys" "bytea",
	"relin_keys_sha256" text,
	"dataset_id" text,
	"spec" jsonb,
	"status" text NOT NULL,
	"secret" "bytea",
	"point_order" "bytea",
	"points" "bytea",
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mpc_computations" ADD CONSTRAINT "mpc_computations_session_id_mpc_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."mpc_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_computations" ADD CONSTRAINT "mpc_computations_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_computations" ADD CONSTRAINT "mpc_computations_operator_org_id_orgs_id_fk" FOREIGN KEY ("operator_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_computations" ADD CONSTRAINT "mpc_computations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_models" ADD CONSTRAINT "mpc_models_session_id_mpc_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."mpc_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_point_cache" ADD CONSTRAINT "mpc_point_cache_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_sessions" ADD CONSTRAINT "mpc_sessions_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_sessions" ADD CONSTRAINT "mpc_sessions_operator_org_id_orgs_id_fk" FOREIGN KEY ("operator_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_sessions" ADD CONSTRAINT "mpc_sessions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mpc_sessions" ADD CONSTRAINT "mpc_sessions_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mpc_computations_session_idx" ON "mpc_computations" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "mpc_sessions_operator_idx" ON "mpc_sessions" USING btree ("operator_org_id","created_at");