ALTER TABLE "datasets" ADD COLUMN "sharing" text;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "sharing_basis" text;--> statement-breakpoint
-- Entries catalogued before sharing attributes: open ones are shared unconditionally; the others are
-- not shared until their provider records an attribute and its basis.
UPDATE "datasets" SET "sharing" = 'unconditional' WHERE "openness" = 'open';--> statement-breakpoint
UPDATE "datasets" SET "sharing" = 'none', "sharing_basis" = '共享属性未登记：在提供部门登记共享属性及其依据之前不予共享 (no sharing attribute recorded: not shared until the provider records one and its basis)' WHERE "sharing" IS NULL;--> statement-breakpoint
ALTER TABLE "datasets" ALTER COLUMN "sharing" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_sharing_basis" CHECK ("datasets"."sharing" = 'unconditional' or "datasets"."sharing_basis" is not null);
