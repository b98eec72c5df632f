#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapAdmin } from './accounts/bootstrap-admin.ts';
import { verifyAuditLog } from './commands/audit-verify.ts';
import { verifyContractCommand } from './commands/contract-verify.ts';
import { rotateSigningKey } from './commands/keys-rotate.ts';
import { mpcPsi } from './commands/mpc-psi.ts';
import { errorLine, mpcKeys, mpcScore, type TCliIo, UsageError } from './commands/mpc-score.ts';
import { parseConfig } from './config.ts';
import { migrateDatabase } from './db/migrate.ts';
import { seedDemo } from './demo/seed-demo.ts';
import { createPublicKeyStore } from './keys/key-store.ts';
import { createDeps, openConfiguredDatabase, startSandboxWorker, startServer } from './server.ts';

const MPC_USAGE = `  mpc keys --param-set ckks-8192|ckks-16384 [--relin] --out <dir> [--force]
                   make the operator's CKKS keys: he-secret-key.bin (mode 0600; it never leaves <dir>),
                   with --relin (ckks-16384) he-relin-keys.bin for a polynomial model, and he-keys.json
  mpc score --url <base> --contract <id> --dataset <id|slug> --group-by <col>
            --feature mean|sum:<col>[:<min>:<max>] ... --weights <w1,w2,…> --bias <b>
            [--polynomial <c0,c1[,c2[,c3]]>] --keys <dir> [--token <t>]
                   score a model encrypted with your key (one weight per --feature, in order) on each
                   group's protected aggregates; prints each released group's label, count and
                   decrypted score, as JSON
  mpc psi --url <base> --contract <id> --dataset <id|slug> --id-column <col> --ids <file>
          [--ids-column <name>] [--group-by <col>] [--measure mean|sum:<col>[:<min>:<max>] ...] [--token <t>]
                   private join: protected counts (and measures) of the dataset's rows whose <col> is
                   one of your identifiers (one a line, or the column <name> of a CSV with a header),
                   which leave this machine only hashed and blinded; prints the result as JSON
                   (score and psi take the operator's token from --token or ENCLAVE_TOKEN)`;

const USAGE = `enclave <command>

  start            run the API and portal (migrates, creates the admin, seeds demo data on first start)
  migrate          apply database migrations
  seed --demo      load the demo orgs, users, datasets and the operator's sandbox contract
  worker           take jobs (sandbox runs) from the queue against DATABASE_URL: more machines, more runs
  keys rotate      make a new contract-signing key; old keys stay in the JWKS to verify old contracts
  contract verify <file> --jwks <url|file> --operator-jwk <file> --log-key <verifier key|file>
                   verify a downloaded contract offline: both signatures, canonical payload, term,
                   the issuer key's signing period, and its issue in the audit log (inclusion proof
                   against a checkpoint signed by the log key, not the contract key)
  audit verify --url <base> [--checkpoint <file>] [--key <verifier key|file>] [--token <t>]
                   re-derive the audit log's Merkle root from its entries, check the signed
                   checkpoint and that it extends the one kept in <file> (then kept there for next
                   time); a regulator's token comes from --token or ENCLAVE_TOKEN
${MPC_USAGE}

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, ENCLAVE_BOOTSTRAP_TOKEN.`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = parseConfig(process.env);
  switch (command) {
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { 'no-demo': { type: 'boolean' } } });
      const started = await startServer(config, {
        afterMigrate: async (deps) => {
          if (values['no-demo']) return;
          await seedDemo(deps, {
            ifEmpty: true,
            tokenFile: join(config.DATA_DIR, 'demo-tokens.json'),
            passwordFile: join(config.DATA_DIR, 'demo-passwords.json'),
            keyFile: join(config.DATA_DIR, 'demo-operator-key.json'),
            progress: (m) => console.log(m),
          });
        },
      });
      console.log(`Enclave listening on ${started.url}`);
      console.log(`  API description: ${started.url}/v1/openapi.json`);
      if (started.boot.created && started.boot.tokenFile) {
        console.log(`  admin token written to ${started.boot.tokenFile} (mode 0600)`);
      } else if (started.boot.created) {
        console.log('  admin token: the ENCLAVE_BOOTSTRAP_TOKEN you set');
      } else {
        console.log(
          `  admin token: as created on first start (${config.DATA_DIR}/admin-token unless ENCLAVE_BOOTSTRAP_TOKEN was set)`,
        );
      }
      const link = started.boot.passwordLink;
      if (link?.file) {
        console.log(
          `  admin password: set it (login "admin") with the one-time link in ${link.file} (mode 0600), valid until ${link.expiresAt.toISOString()}`,
        );
      } else if (link) {
        console.log(`  admin password: set it (login "admin") at ${link.url}`);
      }
      const demoTokens = join(config.DATA_DIR, 'demo-tokens.json');
      if (existsSync(demoTokens)) console.log(`  demo users' tokens: ${demoTokens}`);
      const demoPasswords = join(config.DATA_DIR, 'demo-passwords.json');
      if (existsSync(demoPasswords)) console.log(`  demo users' logins and passwords: ${demoPasswords}`);
      const demoKey = join(config.DATA_DIR, 'demo-operator-key.json');
      if (existsSync(demoKey)) console.log(`  demo operator's countersigning key: ${demoKey}`);
      const shutdown = () => {
        started.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return;
    }
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      await migrateDatabase(database);
      await database.close();
      console.log('migrations applied');
      return;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' } } });
      if (!values.demo) throw new Error('seed needs --demo');
      const database = await openConfiguredDatabase(config);
      await migrateDatabase(database);
      const deps = createDeps(config, database);
      await bootstrapAdmin(deps, { token: config.ENCLAVE_BOOTSTRAP_TOKEN, dataDir: config.DATA_DIR });
      await seedDemo(deps, {
        ifEmpty: false,
        tokenFile: join(config.DATA_DIR, 'demo-tokens.json'),
        passwordFile: join(config.DATA_DIR, 'demo-passwords.json'),
        keyFile: join(config.DATA_DIR, 'demo-operator-key.json'),
        progress: (m) => console.log(m),
      });
      await database.close();
      return;
    }
    case 'worker': {
      if (!config.DATABASE_URL)
        throw new Error(
          'enclave worker needs DATABASE_URL; on the embedded database, npm start runs the workers',
        );
      if (!config.ENCLAVE_JWKS)
        throw new Error(
          'enclave worker needs ENCLAVE_JWKS: the platform’s public keys (a file, or the API’s /.well-known/jwks.json URL); workers hold no private key',
        );
      const database = await openConfiguredDatabase(config);
      await migrateDatabase(database);
      const deps = createDeps(config, database, { keys: createPublicKeyStore(config.ENCLAVE_JWKS) });
      const worker = startSandboxWorker(deps, Math.max(1, config.SANDBOX_EXECUTORS));
      console.log(`sandbox worker running ${Math.max(1, config.SANDBOX_EXECUTORS)} executor(s)`);
      const shutdown = () => {
        worker.stop().then(
          () => database.close().then(() => process.exit(0)),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return;
    }
    case 'keys': {
      if (rest[0] !== 'rotate') throw new Error('usage: enclave keys rotate');
      if (config.ENCLAVE_SIGNING_KEYS)
        throw new Error('the signing keys come from ENCLAVE_SIGNING_KEYS; rotate them there');
      const database = await openConfiguredDatabase(config);
      await migrateDatabase(database);
      const out = await rotateSigningKey(createDeps(config, database));
      await database.close();
      console.log(`new signing key ${out.kid}; retired (verify-only): ${out.retired.join(', ') || 'none'}`);
      return;
    }
    case 'contract': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          jwks: { type: 'string' },
          'operator-jwk': { type: 'string' },
          'log-key': { type: 'string' },
        },
      });
      const [sub, file] = positionals;
      if (sub !== 'verify' || !file || !values.jwks || !values['operator-jwk'] || !values['log-key']) {
        throw new Error(
          'usage: enclave contract verify <file> --jwks <url|file> --operator-jwk <file> --log-key <verifier key|file>',
        );
      }
      const result = await verifyContractCommand({
        file,
        jwks: values.jwks,
        operatorJwk: values['operator-jwk'],
        logKey: values['log-key'],
      });
      for (const line of result.lines) console.log(line);
      process.exitCode = result.ok ? 0 : 1;
      return;
    }
    case 'audit': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          url: { type: 'string' },
          checkpoint: { type: 'string' },
          key: { type: 'string' },
          token: { type: 'string' },
        },
      });
      if (positionals[0] !== 'verify' || positionals.length > 1 || !values.url) {
        throw new Error(
          'usage: enclave audit verify --url <base> [--checkpoint <file>] [--key <verifier key|file>] [--token <t>]',
        );
      }
      const token = values.token ?? process.env.ENCLAVE_TOKEN;
      const result = await verifyAuditLog({
        url: values.url,
        ...(values.checkpoint ? { checkpointFile: values.checkpoint } : {}),
        ...(values.key ? { key: values.key } : {}),
        ...(token ? { token } : {}),
        onProgress: (done, total) => console.error(`  ${done} / ${total} entries hashed`),
      });
      for (const line of result.lines) console.log(line);
      process.exitCode = result.ok ? 0 : 1;
      return;
    }
    case 'mpc': {
      const [sub, ...args] = rest;
      const commands = { keys: mpcKeys, score: mpcScore, psi: mpcPsi };
      const run = commands[sub as keyof typeof commands];
      if (!run || args.includes('--help')) {
        const isHelp = sub === 'help' || sub === '--help' || args.includes('--help');
        (isHelp ? console.log : console.error)(`enclave mpc <keys|score|psi>\n\n${MPC_USAGE}`);
        process.exitCode = isHelp ? 0 : 2;
        return;
      }
      const io: TCliIo = {
        out: (text) => process.stdout.write(text),
        err: (line) => console.error(line),
        env: process.env,
      };
      try {
        process.exitCode = await run(args, io);
      } catch (err) {
        if (err instanceof UsageError) {
          console.error(`enclave mpc ${sub}: ${err.message}\n\n${MPC_USAGE}`);
          process.exitCode = 2;
        } else {
          console.error(errorLine(err));
          process.exitCode = 1;
        }
      }
      return;
    }
    default:
      console.log(USAGE);
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
