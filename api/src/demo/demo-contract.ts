import { countersignContract as signAsLicensee, type TSigningKey } from '@enclave/contracts';
import { and, desc, eq } from 'drizzle-orm';
import type { TActor } from '../auth/actor.ts';
import { applicationParts, applications, contracts } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { countersignContract } from '../licences/countersign-contract.ts';
import { createApplication } from '../licences/create-application.ts';
import { decideApplicationPart } from '../licences/decide-application-part.ts';
import { contractState } from '../licences/get-contract.ts';
import { DEMO_DATASETS } from './demo-datasets.ts';
import { ensureDemoOperatorKey } from './demo-operator-key.ts';

/** The conditional datasets the demo operator is licensed for; the first one is required. */
export const DEMO_CONTRACT_SLUGS = ['social-insurance-contributions', 'enterprise-registration-tax'] as const;

/** The demo application's purpose: also how a later run finds the application it made. */
export const DEMO_CONTRACT_PURPOSE =
  '分析本市各区县、各行业的参保结构与社会保险缴费基数，以及企业规模、营业收入与纳税之间的关系，为就业与产业政策评估提供统计依据（演示合同）';

const DEMO_CONTRACT_SCENARIO =
  '在授权运营沙箱内按区县、行业、参保类别、企业类型等维度做分组汇总与回归分析，只导出满足最小单元数的统计结果，不导出明细，不识别个人或企业（演示场景）';

export type TDemoParty = { actor: TActor; org: string };

export type TDemoContractInput = {
  operator: TDemoParty;
  /** The demo providers; each decides the part of its own dataset. */
  providers: readonly TDemoParty[];
  /** The seeded catalogue entries. */
  datasets: readonly { slug: string; id: string; status: string }[];
  /** Where the operator's private key is kept (`DATA_DIR/demo-operator-key.json`), mode 0600. */
  keyFile: string | undefined;
  progress: (message: string) => void;
};

/**
 * An active licence of the demo operator on the conditional demo datasets, for the sandbox: the
 * operator registers a key, applies, each provider approves its part, the platform issues the
 * contract and the operator countersigns it, each step through the services as the user who would
 * take it. A run finds the application an earlier one made (by operator and purpose) and carries
 * on from the step it stopped at. It applies anew when that contract was revoked or has expired,
 * the application was rejected, or the key it names is not the one at hand (without a key file,
 * only this run's key is). Returns the active contract's id, or null when there can be none.
 */
export async function ensureDemoContract(deps: Deps, input: TDemoContractInput): Promise<string | null> {
  const { operator, progress, keyFile } = input;
  const parts = DEMO_CONTRACT_SLUGS.flatMap((slug) => {
    const row = input.datasets.find((d) => d.slug === slug && d.status === 'published');
    const spec = DEMO_DATASETS.find((d) => d.body.slug === slug)!;
    // Identifiers are never needed for statistics, so they stay outside the licence.
    const columns = spec.body.columns.filter((c) => c.sensitivity !== 'identifier').map((c) => c.name);
    return row ? [{ slug, datasetId: row.id, columns }] : [];
  });
  if (parts[0]?.slug !== DEMO_CONTRACT_SLUGS[0]) {
    progress(`  demo contract: ${DEMO_CONTRACT_SLUGS[0]} is not published; no contract`);
    return null;
  }

  let key: TSigningKey | null = null;
  const ensureKey = async () => {
    const got = await ensureDemoOperatorKey(deps, operator.actor, operator.org, keyFile);
    const where = keyFile
      ? `${got.isFileWritten ? 'private JWK written to' : 'private JWK in'} ${keyFile} (mode 0600)`
      : 'no key file given, so its private part lives only in this run';
    const what = got.isNew ? 'generated and registered' : got.isRegistered ? 'registered' : 'kept';
    progress(`  operator key ${got.key.kid}: ${what}; ${where}`);
    return got.key;
  };
  if (keyFile) key = await ensureKey();

  const found = await findDemoApplication(deps, operator.actor.orgId);
  if (found?.state === 'active') {
    progress(
      `  demo contract ${found.contract!.id}: already active until ${isoDay(found.contract!.notAfter)}`,
    );
    return found.contract!.id;
  }
  const steps: string[] = [];
  const isUnfinished = found?.state === 'pending' || found?.state === 'awaiting_countersign';
  // Carrying on needs the private key the application named, to countersign at the end.
  let app = isUnfinished && key?.kid === found.app.licenseeKid ? found.app : null;
  if (found && !app) {
    const earlier = found.contract ? `contract ${found.contract.id}` : `application ${found.app.id}`;
    steps.push(
      isUnfinished
        ? `the earlier ${earlier} names key ${found.app.licenseeKid}, whose private part is not at hand`
        : `the earlier ${earlier} is ${found.state}`,
    );
  }
  if (!app) {
    key ??= await ensureKey();
    const notBefore = deps.clock.now();
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 1);
    app = await createApplication(deps, operator.actor, {
      datasets: parts.map(({ datasetId, columns }) => ({ datasetId, columns })),
      purpose: DEMO_CONTRACT_PURPOSE,
      scenario: DEMO_CONTRACT_SCENARIO,
      operations: ['sandbox'],
      term: { notBefore, notAfter },
      keyId: key.kid,
    });
    steps.push(`applied for ${parts.map((p) => p.slug).join(' and ')}`);
  }

  const rank = (datasetId: string) => parts.findIndex((p) => p.datasetId === datasetId);
  let contractId = app.contractId;
  if (app.status === 'pending') {
    const pending = await deps.db
      .select()
      .from(applicationParts)
      .where(and(eq(applicationParts.applicationId, app.id), eq(applicationParts.status, 'pending')));
    // In the order of DEMO_CONTRACT_SLUGS, so the log reads the same every time.
    pending.sort((a, b) => rank(a.datasetId) - rank(b.datasetId));
    for (const part of pending) {
      const provider = input.providers.find((p) => p.actor.orgId === part.providerOrgId);
      if (!provider) {
        progress(
          `  demo application ${app.id}: no demo provider for dataset ${part.datasetId}; left pending`,
        );
        return null;
      }
      const decided = await decideApplicationPart(deps, provider.actor, app.id, {
        datasetId: part.datasetId,
        decision: 'approve',
      });
      steps.push(`approved by ${provider.org}`);
      contractId = decided.contractId ?? contractId;
    }
    if (contractId) steps.push('issued');
  }
  const [contract] = contractId
    ? await deps.db.select().from(contracts).where(eq(contracts.id, contractId))
    : [];
  if (!contract) {
    progress(`  demo application ${app.id}: ${[...steps, 'no contract issued'].join(', ')}`);
    return null;
  }

  if (contractState(contract, deps.clock.now()) === 'awaiting_countersign' && key) {
    const signature = await signAsLicensee(contract.jws, key);
    await countersignContract(deps, operator.actor, contract.id, signature);
    steps.push('countersigned by the operator');
  }
  progress(`  demo contract ${contract.id}: ${steps.join(', ')}; active until ${isoDay(contract.notAfter)}`);
  return contract.id;
}

/** The demo operator's newest demo application with its contract: an active one first. */
async function findDemoApplication(deps: Deps, operatorOrgId: string) {
  const rows = await deps.db
    .select({ app: applications, contract: contracts })
    .from(applications)
    .leftJoin(contracts, eq(contracts.id, applications.contractId))
    .where(
      and(eq(applications.operatorOrgId, operatorOrgId), eq(applications.purpose, DEMO_CONTRACT_PURPOSE)),
    )
    .orderBy(desc(applications.createdAt), desc(applications.id));
  const now = deps.clock.now();
  const found = rows.map((r) => ({
    ...r,
    state: r.contract ? contractState(r.contract, now) : r.app.status,
  }));
  return found.find((f) => f.state === 'active') ?? found[0];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
