import type { Command } from 'commander';
import { loadStackConfig } from '../../dev/stack/config';
import {
  COORDINATOR_PROCESS,
  coordinatorUrl,
  pingCoordinator,
  startCoordinator,
} from '../../dev/stack/coordinator-process';
import { stackDown, stackStatus, stackUp } from '../../dev/stack/launcher';
import type { ProcessHealth } from '../../dev/stack/launcher';
import { logPath, runningPid } from '../../dev/stack/processes';
import { describeTools, ensureTools } from '../../dev/stack/tools';
import { loadCoordinatorConfig } from '../coordinator/config';
import { runStackBountyDemo } from './bounty-demo';
import { runTrainingDemo } from './training-demo';

const say = (line: string) => console.log(line);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

async function coordinatorHealth(config = loadStackConfig()): Promise<ProcessHealth> {
  const pid = runningPid(config.dataDir, COORDINATOR_PROCESS);
  const log = logPath(config.dataDir, COORDINATOR_PROCESS);
  if (!pid) return { name: COORDINATOR_PROCESS, pid, healthy: false, detail: 'not running', log };
  try {
    return { name: COORDINATOR_PROCESS, pid, healthy: true, detail: await pingCoordinator(config), log };
  } catch (err) {
    return { name: COORDINATOR_PROCESS, pid, healthy: false, detail: (err as Error).message, log };
  }
}

function printHealth(health: ProcessHealth[]): void {
  for (const entry of health) {
    say(
      `${entry.healthy ? 'ok  ' : 'DOWN'} ${entry.name.padEnd(18)} pid ${String(entry.pid ?? '-').padEnd(8)} ${entry.detail}`,
    );
  }
}

export function registerDev(program: Command): void {
  const dev = program.command('dev').description('run everything locally on embedded defaults');

  dev
    .command('tools')
    .description('build the pinned temporal, lnd and btcd binaries into the tool cache (once)')
    .action(async () => {
      const paths = await ensureTools(say);
      say(describeTools());
      for (const [name, binary] of Object.entries(paths)) say(`${name.padEnd(8)} ${binary}`);
    });

  dev
    .command('start')
    .description(
      'start (or reuse) the whole local stack and the coordinator, print where everything is, run the demo',
    )
    .option('--no-demo', 'skip the training and bounty demos')
    .action(async (options: { demo: boolean }) => {
      const config = loadStackConfig();
      const started = Date.now();
      const manifest = await stackUp(config, say);
      say(`regtest stack ready in ${seconds(started)}`);
      await startCoordinator(config);
      say(`coordinator ready in ${seconds(started)}\n`);
      say(`tools        ${describeTools()}`);
      say(`api          ${coordinatorUrl(config)}  (try ${coordinatorUrl(config)}/status.json)`);
      say(`temporal     ${manifest.temporal.address}  (web UI ${manifest.temporal.uiUrl})`);
      say(`btcd         ${manifest.btcd.rpc}  (regtest)`);
      for (const [name, node] of Object.entries(manifest.nodes)) {
        say(`lnd ${name.padEnd(8)} ${node.socket}  ${node.publicKey}  credentials: ${node.credentialsFile}`);
      }
      say(`data + logs  ${config.dataDir}\n`);
      say(
        '`l402-train dev status` checks every process; `l402-train dev stop` (or `npm stop`) stops them all.\n',
      );
      if (options.demo) {
        await runTrainingDemo(config, loadCoordinatorConfig(), say);
        await runStackBountyDemo(config, say);
      }
    });

  dev
    .command('status')
    .description('report every process of the local stack; exits 1 if any is unhealthy')
    .action(async () => {
      const config = loadStackConfig();
      const health = [...(await stackStatus(config)), await coordinatorHealth(config)];
      printHealth(health);
      if (health.some((entry) => !entry.healthy)) process.exitCode = 1;
    });

  dev
    .command('stop')
    .description('stop every process of the local stack')
    .action(async () => {
      const stopped = await stackDown(loadStackConfig(), [COORDINATOR_PROCESS]);
      say(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    });
}
