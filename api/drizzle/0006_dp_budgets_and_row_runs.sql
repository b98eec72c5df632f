CREATE TABLE "privacy_ledger" (
	"contract_id" text NOT NULL,
	"digest" text NOT NULL,
	"epsilon" double precision NOT NULL,
	"run_id" text NOT NULL,
	"charged_at" timestamp with time zone NOT NULL,
	CONSTRAINT "privacy_ledger_contract_id_digest_pk" PRIMARY KEY("contract_id","digest")
);
--> statement-breakpoint
CREATE TABLE "sandbox_run_reviews" (
	"run_id" text NOT NULL,
	"org_id" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sandbox_run_reviews_run_id_org_id_pk" PRIMARY KEY("run_id","org_id")
);
--> statement-breakpoint
ALTER TABLE "privacy_budgets" ADD COLUMN "period" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "privacy_budgets" DROP CONSTRAINT "privacy_budgets_pkey";--> statement-breakpoint
ALTER TABLE "privacy_budgets" ADD CONSTRAINT "privacy_budgets_contract_id_period_pk" PRIMARY KEY("contract_id","period");--> statement-breakpoint
ALTER TABLE "sandbox_runs" ADD COLUMN "kind" text DEFAULT 'aggregate' NOT NULL;--> statement-breakpoint
ALTER TABLE "sandbox_runs" ADD COLUMN "epsilon_charged" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sandbox_runs" ADD COLUMN "budget_period" text;--> statement-breakpoint
ALTER TABLE "sandbox_runs" ADD COLUMN "cpu_ms" integer;--> statement-breakpoint
ALTER TABLE "sandbox_runs" ADD COLUMN "visible_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "privacy_ledger" ADD CONSTRAINT "privacy_ledger_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_run_reviews" ADD CONSTRAINT "sandbox_run_reviews_run_id_sandbox_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sandbox_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_run_reviews" ADD CONSTRAINT "sandbox_run_reviews_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sandbox_run_reviews" ADD CONSTRAINT "sandbox_run_reviews_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Before this migration every script on real data read the real rows: such runs are row runs.
UPDATE "sandbox_runs" SET "kind" = 'rows' WHERE "target" = 'real';
