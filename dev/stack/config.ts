import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors';

const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';
import { z } from 'zod';

const repoRoot = path.resolve(__dirname, '..', '..');

const nodeName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, 'node names are lowercase letters, digits and dashes');

export const StackConfigSchema = z
  .object({
    dataDir: z.string().min(1),
    host: z.literal('127.0.0.1'),
    basePort: z.number().int().min(1024).max(64_000),
    /** The first node is the coordinator; every other node gets channels to and from it. */
    nodes: z.array(nodeName).min(2).max(8),
    channelSats: z.number().int().min(100_000).max(16_000_000),
    namespace: z.string().min(1),
  })
  .strict()
  .refine((config) => new Set(config.nodes).size === config.nodes.length, 'node names must be unique');

export type StackConfig = z.infer<typeof StackConfigSchema>;

const EnvSchema = z.object({
  L402_DATA_DIR: z.string().optional(),
  L402_BASE_PORT: z.coerce.number().int().optional(),
  L402_NODES: z.string().optional(),
  L402_CHANNEL_SATS: z.coerce.number().int().optional(),
});

/** Highest port a stack uses above its base (LND nodes take three ports each). */
const PORT_SPAN = 20 + 8 * 3;

/**
 * Listening ports inside the kernel's ephemeral range collide with the source ports of outgoing connections
 * (LND's own peer connections among them), so a stack there fails at random: refuse it up front.
 */
function assertOutsideEphemeralRange(basePort: number): void {
  if (!existsSync(EPHEMERAL_RANGE_FILE)) return;
  const [low, high] = readFileSync(EPHEMERAL_RANGE_FILE, 'utf8').trim().split(/\s+/).map(Number) as [
    number,
    number,
  ];
  if (basePort + PORT_SPAN >= low && basePort <= high) {
    throw new StackError(
      'PORTS_IN_EPHEMERAL_RANGE',
      `base port ${basePort} puts the stack inside the ephemeral port range ${low}-${high}`,
      `Choose a base port below ${low - PORT_SPAN} (L402_BASE_PORT).`,
    );
  }
}

/** Stack settings from the environment, with embedded defaults; `overrides` win over both. */
export function loadStackConfig(
  overrides: Partial<StackConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): StackConfig {
  const parsedEnv = EnvSchema.parse(env);
  const config = StackConfigSchema.parse({
    dataDir: path.resolve(parsedEnv.L402_DATA_DIR ?? path.join(repoRoot, '.data', 'dev')),
    host: '127.0.0.1',
    basePort: parsedEnv.L402_BASE_PORT ?? 19_400,
    nodes: parsedEnv.L402_NODES?.split(',').map((name) => name.trim()) ?? [
      'coordinator',
      'peer',
      'sponsor',
      'peer2',
      'peer3',
    ],
    channelSats: parsedEnv.L402_CHANNEL_SATS ?? 5_000_000,
    namespace: 'default',
    ...overrides,
  });
  assertOutsideEphemeralRange(config.basePort);
  return config;
}

/** Every port is derived from the base port, so one setting moves a whole stack. */
export function stackPorts(config: StackConfig) {
  const base = config.basePort;
  return {
    temporalGrpc: base,
    temporalUi: base + 1,
    temporalHttp: base + 2,
    temporalMetrics: base + 3,
    api: base + 5,
    btcdRpc: base + 10,
    btcdP2p: base + 11,
    lnd: (index: number) => ({
      grpc: base + 20 + index * 3,
      p2p: base + 21 + index * 3,
      rest: base + 22 + index * 3,
    }),
  };
}
