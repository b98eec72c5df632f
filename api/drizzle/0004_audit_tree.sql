CREATE TABLE "audit_checkpoints" (
	"size" bigint PRIMARY KEY NOT NULL,
	"root_hash" "bytea" NOT NULL,
	"note" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_nodes" (
	"level" smallint NOT NULL,
	"idx" bigint NOT NULL,
	"hash" "bytea" NOT NULL,
	CONSTRAINT "audit_nodes_level_idx_pk" PRIMARY KEY("level","idx"),
	CONSTRAINT "audit_nodes_hash_size" CHECK (octet_length("audit_nodes"."hash") = 32)
);
--> statement-breakpoint
-- Appends one leaf to the audit tree inside the caller's transaction and returns its index: the
-- next index comes from audit_log_state (its row lock orders concurrent appends), then the leaf
-- hash and every perfect subtree it completes are stored: O(log n) work, one round trip.
-- Entries written before this migration get their nodes from backfillAuditTree() at start.
CREATE FUNCTION "audit_tree_append"(leaf bytea) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  seq bigint;
  lvl smallint := 0;
  i bigint;
  h bytea := leaf;
  sibling bytea;
BEGIN
  UPDATE audit_log_state SET size = size + 1 WHERE id = 1 RETURNING size - 1 INTO seq;
  IF seq IS NULL THEN
    RAISE EXCEPTION 'audit log state row missing';
  END IF;
  INSERT INTO audit_nodes (level, idx, hash) VALUES (0, seq, leaf);
  i := seq;
  WHILE i % 2 = 1 LOOP
    SELECT n.hash INTO sibling FROM audit_nodes n WHERE n.level = lvl AND n.idx = i - 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'audit tree node (%, %) missing; the audit tree backfill has not run', lvl, i - 1;
    END IF;
    h := sha256('\x01'::bytea || sibling || h);
    lvl := lvl + 1;
    i := i / 2;
    INSERT INTO audit_nodes (level, idx, hash) VALUES (lvl, i, h);
  END LOOP;
  RETURN seq;
END
$$;
