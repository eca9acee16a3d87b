import type { Command } from 'commander';
import { describeTools, ensureTools } from '../stack/tools';

export function registerDev(program: Command): void {
  const dev = program.command('dev').description('run everything locally on embedded defaults');

  dev
    .command('tools')
    .description('build the pinned temporal, lnd and btcd binaries into the tool cache (once)')
    .action(async () => {
      const paths = await ensureTools((line) => console.log(line));
      console.log(describeTools());
      for (const [name, binary] of Object.entries(paths)) console.log(`${name.padEnd(8)} ${binary}`);
    });
}
