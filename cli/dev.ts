import type { Command } from 'commander';
import { loadStackConfig } from '../stack/config';
import { stackDown, stackStatus, stackUp } from '../stack/launcher';
import { describeTools, ensureTools } from '../stack/tools';

const say = (line: string) => console.log(line);

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
    .command('up')
    .description('start (or reuse) Temporal, btcd and the LND nodes with funded channels')
    .action(async () => {
      const started = Date.now();
      const manifest = await stackUp(loadStackConfig(), say);
      say(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      say(JSON.stringify(manifest, null, 2));
    });

  dev
    .command('status')
    .description('report every process of the local stack; exits 1 if any is unhealthy')
    .action(async () => {
      const health = await stackStatus(loadStackConfig());
      for (const process of health) {
        say(
          `${process.healthy ? 'ok  ' : 'DOWN'} ${process.name.padEnd(18)} pid ${String(process.pid ?? '-').padEnd(8)} ${process.detail}`,
        );
      }
      if (health.some((process) => !process.healthy)) process.exitCode = 1;
    });

  dev
    .command('stop')
    .description('stop every process of the local stack')
    .action(async () => {
      const stopped = await stackDown(loadStackConfig());
      say(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    });
}
