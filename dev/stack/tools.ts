import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { StackError } from './errors';

/** Pinned versions of the Go-built tools. lnd and btcd are pinned by the go.mod files under tools/. */
export const TOOL_VERSIONS = {
  temporal: 'v1.5.1',
  lnd: 'v0.19.3-beta',
  btcd: 'v0.24.2',
} as const;

const LND_BUILD_TAGS = 'signrpc walletrpc chainrpc invoicesrpc routerrpc peersrpc';
const repoRoot = path.resolve(__dirname, '..', '..');

export interface ToolPaths {
  temporal: string;
  lnd: string;
  lncli: string;
  btcd: string;
  btcctl: string;
}

interface ToolBuild {
  dir: string;
  binaries: string[];
  command: (goBinary: string, outDir: string) => { args: string[]; cwd: string; env?: NodeJS.ProcessEnv };
}

export function toolsCacheDir(): string {
  const base =
    process.env.L402_TOOLS_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'l402-train', 'tools');
  return path.resolve(base);
}

/** A module's build is keyed by its pinned version and the hash of its go.mod + go.sum, so any pin change rebuilds. */
function moduleKey(moduleDir: string): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(path.join(moduleDir, file)));
  return hash.digest('hex').slice(0, 10);
}

function toolBuilds(): Record<'temporal' | 'lnd' | 'btcd', ToolBuild> {
  const cache = toolsCacheDir();
  const lndModule = path.join(repoRoot, 'dev', 'tools', 'lnd');
  const btcdModule = path.join(repoRoot, 'dev', 'tools', 'btcd');
  return {
    temporal: {
      dir: path.join(cache, `temporal-cli-${TOOL_VERSIONS.temporal}`),
      binaries: ['temporal'],
      command: (_go, outDir) => ({
        args: ['install', `github.com/temporalio/cli/cmd/temporal@${TOOL_VERSIONS.temporal}`],
        cwd: cache,
        env: { GOBIN: outDir },
      }),
    },
    lnd: {
      dir: path.join(cache, `lnd-${TOOL_VERSIONS.lnd}-${moduleKey(lndModule)}`),
      binaries: ['lnd', 'lncli'],
      command: (_go, outDir) => ({
        args: [
          'build',
          '-tags',
          LND_BUILD_TAGS,
          '-o',
          outDir + path.sep,
          'github.com/lightningnetwork/lnd/cmd/lnd',
          'github.com/lightningnetwork/lnd/cmd/lncli',
        ],
        cwd: lndModule,
      }),
    },
    btcd: {
      dir: path.join(cache, `btcd-${TOOL_VERSIONS.btcd}-${moduleKey(btcdModule)}`),
      binaries: ['btcd', 'btcctl'],
      command: (_go, outDir) => ({
        args: [
          'build',
          '-o',
          outDir + path.sep,
          'github.com/btcsuite/btcd',
          'github.com/btcsuite/btcd/cmd/btcctl',
        ],
        cwd: btcdModule,
      }),
    },
  };
}

export function toolPaths(): ToolPaths {
  const builds = toolBuilds();
  return {
    temporal: path.join(builds.temporal.dir, 'temporal'),
    lnd: path.join(builds.lnd.dir, 'lnd'),
    lncli: path.join(builds.lnd.dir, 'lncli'),
    btcd: path.join(builds.btcd.dir, 'btcd'),
    btcctl: path.join(builds.btcd.dir, 'btcctl'),
  };
}

function findGo(): string {
  const candidates = [
    process.env.GO,
    'go',
    process.env.GOROOT && path.join(process.env.GOROOT, 'bin', 'go'),
    '/usr/local/go/bin/go',
  ].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new StackError(
    'GO_TOOLCHAIN_MISSING',
    'The Go toolchain is needed once to build temporal, lnd and btcd, and none was found.',
    'Install Go 1.24 or newer (or set GO=/path/to/go) and make sure the Go module proxy is reachable.',
  );
}

function isBuilt(build: ToolBuild): boolean {
  return build.binaries.every((binary) => existsSync(path.join(build.dir, binary)));
}

async function runBuild(
  name: string,
  build: ToolBuild,
  go: string,
  log: (line: string) => void,
): Promise<void> {
  const staging = `${build.dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const { args, cwd, env } = build.command(go, staging);
  log(`building ${name} (${args.join(' ')}) ...`);
  const started = Date.now();
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(go, args, {
      cwd,
      env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new StackError(
      'TOOL_BUILD_FAILED',
      `go ${args[0]} for ${name} failed:\n${output.join('').slice(-4000)}`,
    );
  }
  rmSync(build.dir, { recursive: true, force: true });
  renameSync(staging, build.dir);
  log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${build.dir}`);
}

/** Builds whichever pinned tools are missing from the cache (sequentially: the builds are CPU-bound). */
export async function ensureTools(log: (line: string) => void = () => {}): Promise<ToolPaths> {
  const builds = toolBuilds();
  const missing = Object.entries(builds).filter(([, build]) => !isBuilt(build));
  if (missing.length > 0) {
    const go = findGo();
    mkdirSync(toolsCacheDir(), { recursive: true });
    for (const [name, build] of missing) await runBuild(name, build, go, log);
  }
  return toolPaths();
}

export function describeTools(): string {
  const versions = Object.entries(TOOL_VERSIONS).map(([name, version]) => `${name} ${version}`);
  return `${versions.join(', ')} (cache: ${toolsCacheDir()})`;
}
