import path from 'node:path';
import { z } from 'zod';
import type { DatabaseConfig } from '../../db/config';
import { databaseConfigFrom } from '../../db/config';
import { loadStackConfig, stackPorts } from '../../dev/stack/config';
import { credentialsPath } from '../../dev/stack/lnd';
import { temporalAddress } from '../../dev/stack/temporal';

export interface CoordinatorConfig {
  dataDir: string;
  temporal: { address: string; namespace: string };
  lndCredentialsFile: string;
  database: DatabaseConfig;
  secretsFile: string;
  api: { host: string; port: number };
  /** Seconds between ledger-vs-LND reconciliation sweeps. */
  sweepSeconds: number;
}

const CoordinatorEnv = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  L402_LND_CREDENTIALS: z.string().min(1).optional(),
  L402_SECRETS_FILE: z.string().min(1).optional(),
  DATABASE_URL: z.string().optional(),
  L402_API_HOST: z.string().default('127.0.0.1'),
  L402_API_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  L402_SWEEP_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
});

/** Coordinator settings from the environment; anything unset points at the local stack of the same data dir. */
export function loadCoordinatorConfig(env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  const stack = loadStackConfig({}, env);
  const parsed = CoordinatorEnv.parse(env);
  const [coordinatorNode] = stack.nodes as [string];
  return {
    dataDir: stack.dataDir,
    temporal: {
      address: parsed.TEMPORAL_ADDRESS ?? temporalAddress(stack),
      namespace: parsed.TEMPORAL_NAMESPACE,
    },
    lndCredentialsFile: parsed.L402_LND_CREDENTIALS ?? credentialsPath(stack, coordinatorNode),
    database: databaseConfigFrom(parsed.DATABASE_URL, stack.dataDir),
    secretsFile: parsed.L402_SECRETS_FILE ?? path.join(stack.dataDir, 'secrets.json'),
    api: { host: parsed.L402_API_HOST, port: parsed.L402_API_PORT ?? stackPorts(stack).api },
    sweepSeconds: parsed.L402_SWEEP_SECONDS,
  };
}
