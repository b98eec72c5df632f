CREATE TABLE "application_parts" (
	"application_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"provider_org_id" text NOT NULL,
	"columns" text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"policy" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	CONSTRAINT "application_parts_application_id_dataset_id_pk" PRIMARY KEY("application_id","dataset_id")
);
--> statement-breakpoint
CREATE TABLE "applications" (
	"id" text PRIMARY KEY NOT NULL,
	"operator_org_id" text NOT NULL,
	"created_by" text NOT NULL,
	"purpose" text NOT NULL,
	"scenario" text NOT NULL,
	"operations" text[] NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"licensee_kid" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"contract_id" text
);
--> statement-breakpoint
CREATE TABLE "contract_datasets" (
	"contract_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"provider_org_id" text NOT NULL,
	CONSTRAINT "contract_datasets_contract_id_dataset_id_pk" PRIMARY KEY("contract_id","dataset_id")
);
--> statement-breakpoint
CREATE TABLE "contract_usage" (
	"contract_id" text NOT NULL,
	"day" text NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "contract_usage_contract_id_day_pk" PRIMARY KEY("contract_id","day")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"operator_org_id" text NOT NULL,
	"jws" jsonb NOT NULL,
	"status" text NOT NULL,
	"issuer_kid" text NOT NULL,
	"licensee_kid" text NOT NULL,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"countersigned_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"revoke_reason" text
);
--> statement-breakpoint
CREATE TABLE "org_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "privacy_budgets" (
	"contract_id" text PRIMARY KEY NOT NULL,
	"epsilon_granted" double precision NOT NULL,
	"epsilon_spent" double precision DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "application_parts" ADD CONSTRAINT "application_parts_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_parts" ADD CONSTRAINT "application_parts_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_parts" ADD CONSTRAINT "application_parts_provider_org_id_orgs_id_fk" FOREIGN KEY ("provider_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_parts" ADD CONSTRAINT "application_parts_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_operator_org_id_orgs_id_fk" FOREIGN KEY ("operator_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "applications" ADD CONSTRAINT "applications_licensee_kid_org_keys_kid_fk" FOREIGN KEY ("licensee_kid") REFERENCES "public"."org_keys"("kid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_datasets" ADD CONSTRAINT "contract_datasets_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_datasets" ADD CONSTRAINT "contract_datasets_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_datasets" ADD CONSTRAINT "contract_datasets_provider_org_id_orgs_id_fk" FOREIGN KEY ("provider_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_usage" ADD CONSTRAINT "contract_usage_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_application_id_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_operator_org_id_orgs_id_fk" FOREIGN KEY ("operator_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_keys" ADD CONSTRAINT "org_keys_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_keys" ADD CONSTRAINT "org_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_budgets" ADD CONSTRAINT "privacy_budgets_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "application_parts_provider_idx" ON "application_parts" USING btree ("provider_org_id","status");--> statement-breakpoint
CREATE INDEX "applications_operator_idx" ON "applications" USING btree ("operator_org_id","created_at");--> statement-breakpoint
CREATE INDEX "contract_datasets_provider_idx" ON "contract_datasets" USING btree ("provider_org_id");--> statement-breakpoint
CREATE INDEX "contracts_operator_idx" ON "contracts" USING btree ("operator_org_id","issued_at");--> statement-breakpoint
CREATE INDEX "org_keys_org_idx" ON "org_keys" USING btree ("org_id");