import { ZodError, z } from 'zod';
import { Command } from 'commander';
import { registerAudit } from './audit';
import { registerBounty } from './bounty';
import { registerCoordinator } from './coordinator';
import { registerDev } from './dev';
import { registerPeer } from './peer';
import { registerSimulate } from './simulate';
import { registerValidator } from './validator';

const program = new Command('l402-train').description(
  'Pay for AI work over Lightning: coordinator, peers, bounties',
);
registerDev(program);
registerCoordinator(program);
registerPeer(program);
registerAudit(program);
registerSimulate(program);
registerValidator(program);
registerBounty(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const error =
    err instanceof ZodError
      ? { code: 'INVALID_INPUT', message: z.prettifyError(err) }
      : (err as { code?: string; message?: string; hint?: string });
  console.error(`error${error.code ? ` [${error.code}]` : ''}: ${error.message ?? String(err)}`);
  if (error.hint) console.error(`hint: ${error.hint}`);
  process.exit(1);
});
