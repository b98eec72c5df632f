import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { createOrg } from '../accounts/create-org.ts';
import { createUser } from '../accounts/create-user.ts';
import type { TActor } from '../auth/actor.ts';
import { changeDatasetStatus } from '../catalogue/change-dataset-status.ts';
import { createDataset } from '../catalogue/create-dataset.ts';
import { ZCreateDatasetBody } from '../catalogue/dataset-input.ts';
import type { TDatasetRow } from '../catalogue/get-dataset.ts';
import { datasets, orgs, type TRole, users } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { ingestData } from '../ingest/ingest-data.ts';
import { csvChunks } from './csv-chunks.ts';
import { DEMO_ORGS, DEMO_USERS, type TDemoOrg, type TDemoOrgKey, type TDemoUser } from './demo-accounts.ts';
import { ensureDemoContract, type TDemoParty } from './demo-contract.ts';
import type { TDemoDataset } from './demo-dataset.ts';
import { DEMO_DATASETS } from './demo-datasets.ts';
import { ensureDemoPasswords, type TDemoPassword } from './demo-passwords.ts';
import { ensureDemoTokens, type TDemoToken } from './demo-tokens.ts';
import { deriveSeed } from './prng.ts';

/** The seed every demo dataset is drawn from: the same seed gives the same bytes. */
export const DEMO_SEED = 20_240_601;

export type TSeedDemoOptions = {
  /** Do nothing when the catalogue holds any dataset (first start). */
  ifEmpty: boolean;
  /** Receives one line per step. */
  progress: (message: string) => void;
  /** Where to write the demo users' tokens (`DATA_DIR/demo-tokens.json`), mode 0600. */
  tokenFile?: string | undefined;
  /** Where to write the demo users' logins and passwords (`DATA_DIR/demo-passwords.json`), mode 0600. */
  passwordFile?: string | undefined;
  /**
   * Where to keep the demo operator's countersigning key (`DATA_DIR/demo-operator-key.json`),
   * mode 0600. Without it the key that countersigns the demo contract is not kept.
   */
  keyFile?: string | undefined;
};

export type TSeededDataset = {
  slug: string;
  id: string;
  status: TDatasetRow['status'];
  version: number | null;
  rowCount: number;
};

export type TSeedDemoResult =
  | { isSkipped: true }
  | {
      isSkipped: false;
      datasets: TSeededDataset[];
      tokens: TDemoToken[];
      passwords: TDemoPassword[];
      /** The demo operator's active sandbox contract (null when it could not be made). */
      contractId: string | null;
      ms: number;
    };

/**
 * Loads the demo: provider, operator, researcher and regulator orgs with one user each, a token
 * per user, a published catalogue of open, conditional (licensed) and closed datasets with
 * deterministic synthetic rows, and an active contract of the operator on the conditional ones for
 * the sandbox. Every change goes through the services, acting as the user who would make it, so
 * the audit log reads as if people had done it.
 *
 * Idempotent: orgs, users and datasets that exist (by name and slug), the operator's key (in
 * `keyFile`) and its active demo contract are kept, an interrupted run is carried on from where it
 * stopped, and a second run changes nothing. With `ifEmpty` it does nothing at all when any
 * dataset exists.
 */
export async function seedDemo(deps: Deps, opts: TSeedDemoOptions): Promise<TSeedDemoResult> {
  const started = performance.now();
  const { progress } = opts;
  if (opts.ifEmpty) {
    const [row] = await deps.db.select({ n: count() }).from(datasets);
    if (Number(row?.n ?? 0) > 0) return { isSkipped: true };
  }
  progress('demo data: seeding orgs, users, datasets and a contract');
  const admin = await findAdmin(deps);

  const orgIds = new Map<TDemoOrgKey, string>();
  let created = 0;
  for (const org of DEMO_ORGS) {
    const found = await ensureOrg(deps, admin, org);
    orgIds.set(org.key, found.id);
    if (found.isNew) created++;
  }
  const people: {
    userId: string;
    role: TRole;
    org: string;
    user: string;
    login: string;
    orgKey: TDemoOrgKey;
  }[] = [];
  let createdUsers = 0;
  for (const u of DEMO_USERS) {
    const found = await ensureUser(deps, admin, orgIds.get(u.org)!, u);
    if (found.isNew) createdUsers++;
    const orgName = DEMO_ORGS.find((o) => o.key === u.org)!.name;
    people.push({
      userId: found.id,
      role: u.role,
      org: orgName,
      user: u.name,
      login: u.login,
      orgKey: u.org,
    });
  }
  progress(
    `  accounts: ${DEMO_ORGS.length} orgs (${created} new), ${DEMO_USERS.length} users (${createdUsers} new)`,
  );
  const tokens = await ensureDemoTokens(deps, admin, people, opts.tokenFile);
  if (opts.tokenFile) {
    progress(
      `  tokens: ${tokens.issued} issued, ${tokens.tokens.length - tokens.issued} kept; ${
        tokens.isFileWritten ? 'written to' : 'unchanged in'
      } ${opts.tokenFile} (mode 0600)`,
    );
  } else {
    progress(`  tokens: ${tokens.issued} issued (no token file given)`);
  }
  const passwords = await ensureDemoPasswords(deps, admin, people, opts.passwordFile);
  progress(
    `  passwords: ${passwords.set} set, ${passwords.passwords.length - passwords.set} kept${
      opts.passwordFile
        ? `; logins and passwords ${passwords.isFileWritten ? 'written to' : 'unchanged in'} ${opts.passwordFile} (mode 0600)`
        : ''
    }`,
  );

  const seeded: TSeededDataset[] = [];
  for (const spec of DEMO_DATASETS) {
    const provider = people.find((p) => p.orgKey === spec.provider && p.role === 'provider')!;
    const actor: TActor = {
      userId: provider.userId,
      orgId: orgIds.get(spec.provider)!,
      role: 'provider',
      tokenId: 'seed',
    };
    const row = await ensureDataset(deps, actor, admin, spec, progress);
    if (row) {
      seeded.push({
        slug: row.slug,
        id: row.id,
        status: row.status,
        version: row.currentVersion,
        rowCount: row.rowCount,
      });
    }
  }
  const party = (p: (typeof people)[number]): TDemoParty => ({
    actor: { userId: p.userId, orgId: orgIds.get(p.orgKey)!, role: p.role, tokenId: 'seed' },
    org: p.org,
  });
  const contractId = await ensureDemoContract(deps, {
    operator: party(people.find((p) => p.role === 'operator')!),
    providers: people.filter((p) => p.role === 'provider').map(party),
    datasets: seeded,
    keyFile: opts.keyFile,
    progress,
  });
  const ms = performance.now() - started;
  progress(`demo data: ready in ${(ms / 1000).toFixed(1)} s`);
  return {
    isSkipped: false,
    datasets: seeded,
    tokens: tokens.tokens,
    passwords: passwords.passwords,
    contractId,
    ms,
  };
}

/** The platform admin, as the actor of account creation and catalogue review. */
async function findAdmin(deps: Deps): Promise<TActor> {
  const [admin] = await deps.db
    .select({ id: users.id, orgId: users.orgId })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt)))
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(1);
  if (!admin) throw new Error('no admin user yet: the demo is seeded by the admin, created on first start');
  return { userId: admin.id, orgId: admin.orgId, role: 'admin', tokenId: 'seed' };
}

async function ensureOrg(deps: Deps, admin: TActor, org: TDemoOrg): Promise<{ id: string; isNew: boolean }> {
  const find = async () =>
    (await deps.db.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, org.name)))[0];
  const existing = await find();
  if (existing) return { id: existing.id, isNew: false };
  try {
    const createdOrg = await createOrg(deps, admin, { name: org.name, nameEn: org.nameEn });
    return { id: createdOrg.id, isNew: true };
  } catch (err) {
    // Another process seeding at the same moment made it first.
    const raced = err instanceof AppError && err.code === 'CONFLICT' ? await find() : undefined;
    if (raced) return { id: raced.id, isNew: false };
    throw err;
  }
}

async function ensureUser(
  deps: Deps,
  admin: TActor,
  orgId: string,
  u: TDemoUser,
): Promise<{ id: string; isNew: boolean }> {
  const [existing] = await deps.db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.name, u.name)))
    .orderBy(asc(users.createdAt))
    .limit(1);
  if (existing) {
    if (existing.role !== u.role) {
      throw new Error(`demo user ${u.name} exists with role ${existing.role}, not ${u.role}`);
    }
    return { id: existing.id, isNew: false };
  }
  const user = await createUser(deps, admin, { orgId, name: u.name, role: u.role, login: u.login });
  return { id: user.id, isNew: true };
}

/**
 * Brings one demo dataset to published with its data: registers it, ingests its rows, submits it
 * as the provider and approves it as the admin, skipping each step already done.
 */
async function ensureDataset(
  deps: Deps,
  provider: TActor,
  admin: TActor,
  spec: TDemoDataset,
  progress: (m: string) => void,
): Promise<TDatasetRow | null> {
  const body = ZCreateDatasetBody.parse(spec.body);
  const find = async () => (await deps.db.select().from(datasets).where(eq(datasets.slug, body.slug)))[0];
  let row = await find();
  if (row && row.providerOrgId !== provider.orgId) {
    progress(`  ${body.title} (${body.slug}): the slug belongs to another org's dataset; left alone`);
    return null;
  }
  if (row?.status === 'retired') {
    progress(`  ${body.title} (${body.slug}): retired; left alone`);
    return row;
  }
  const steps: string[] = [];
  if (!row) {
    row = await createDataset(deps, provider, body);
    steps.push('registered');
  }
  if (spec.rows && row.currentVersion === null) {
    const started = performance.now();
    progress(`  ${body.title} (${body.slug}): generating and ingesting rows…`);
    const chunks = csvChunks(
      body.columns.map((c) => c.name),
      spec.rows(deriveSeed(DEMO_SEED, body.slug)),
    );
    const result = await ingestData(deps, provider, row.id, { format: 'csv', mode: 'replace', body: chunks });
    steps.push(
      `${result.rowCount.toLocaleString('en')} rows ingested in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  if (row.status === 'draft') {
    await changeDatasetStatus(deps, provider, row.id, { action: 'submit' });
    steps.push('submitted');
  }
  if (row.status === 'draft' || row.status === 'submitted') {
    await changeDatasetStatus(deps, admin, row.id, {
      action: 'approve',
      reason: '演示数据：审核通过 (demo data, approved)',
    });
    steps.push('published');
  }
  row = (await find())!;
  const what = steps.length > 0 ? steps.join(', ') : 'already published';
  progress(`  ${body.title} (${body.slug}), ${body.openness}: ${what}`);
  return row;
}
