import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { getWalletInfo, payViaPaymentRequest } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { readLndCredentials } from '../coordinator/control-worker';
import { buyBaseline, submitToBounty } from '../../clients/earner/bounty-client';
import { runStackBountyDemo } from './bounty-demo';
import { requestJson, sendJson } from '../../clients/http-json';
import { loadStackConfig, stackPorts } from '../../dev/stack/config';
import { connectLnd, readCredentials } from '../../dev/stack/lnd';

interface Connection {
  api?: string;
  node: string;
  credentials?: string;
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

function apiUrl(options: Connection): string {
  const stack = loadStackConfig();
  return options.api ?? `http://${stack.host}:${stackPorts(stack).api}`;
}

/** The user's own LND: a credentials.json (socket, cert, macaroon), or a node of the local stack by name. */
function lndOf(options: Connection): AuthenticatedLnd {
  return connectLnd(
    options.credentials
      ? readLndCredentials(options.credentials)
      : readCredentials(loadStackConfig(), options.node),
  );
}

function call<T>(url: string, body?: unknown): Promise<T> {
  return body === undefined ? requestJson<T>(url) : sendJson<T>(url, 'POST', body);
}

function connection(command: Command, node = 'sponsor'): Command {
  return command
    .option('--api <url>', 'the coordinator API (default: the local stack)')
    .option('--node <name>', 'your LND node in the local stack', node)
    .option('--credentials <file>', 'your LND credentials.json (socket, cert, macaroon) instead of --node');
}

export function registerBounty(program: Command): void {
  const bounty = program
    .command('bounty')
    .description('autoresearch bounties: sponsor one, or improve one and get paid in sats');

  connection(bounty.command('create'))
    .description('post a bounty for a bundle installed on the coordinator; prints its funding invoice')
    .requiredOption('--bundle <name>', 'the bounty bundle (e.g. example-sort)')
    .requiredOption(
      '--budget <sats>',
      'the pool, paid by you now; what is left returns to your node at close',
    )
    .requiredOption('--cap <sats>', 'most one submission can earn')
    .requiredOption('--rate <sats>', 'sats per unit of held-out improvement')
    .option('--tranches <n>', 'escrow tranches per reward', '4')
    .option('--stake <sats>', 'stake per submission (0: none)', '0')
    .option('--baseline-fee <sats>', 'L402 access fee for the baseline', '10')
    .option('--hours <n>', 'hours until the deadline', '24')
    .option('--pay', 'pay the funding invoice from your node right away')
    .action(
      async (
        options: Connection &
          Record<
            'bundle' | 'budget' | 'cap' | 'rate' | 'tranches' | 'stake' | 'baselineFee' | 'hours',
            string
          > & {
            pay?: boolean;
          },
      ) => {
        const lnd = lndOf(options);
        const created = await call<{
          bountyId: string;
          fundingInvoice: string;
          closeToken: string;
          custody: string;
        }>(`${apiUrl(options)}/bounties`, {
          bundle: options.bundle,
          budgetSats: Number(options.budget),
          payoutRule: {
            kind: 'linear-capped',
            capSats: Number(options.cap),
            rateSatsPerUnit: Number(options.rate),
            trancheCount: Number(options.tranches),
          },
          stakeSats: Number(options.stake),
          baselineFeeSats: Number(options.baselineFee),
          sponsorPublicKey: (await getWalletInfo({ lnd })).public_key,
          deadline: new Date(Date.now() + Number(options.hours) * 3_600_000).toISOString(),
        });
        print(created);
        console.error('keep the closeToken: it is the only way to close the bounty before its deadline');
        if (options.pay) {
          await payViaPaymentRequest({ lnd, request: created.fundingInvoice });
          console.error(`funded bounty ${created.bountyId}`);
        }
      },
    );

  connection(bounty.command('fund <invoice>'))
    .description('pay a bounty funding invoice from your node')
    .action(async (invoice: string, options: Connection) => {
      const paid = await payViaPaymentRequest({ lnd: lndOf(options), request: invoice });
      print({ paid: true, paymentHash: paid.id, feeSats: paid.fee });
    });

  connection(bounty.command('list'))
    .description('list bounties')
    .option('--phase <phase>', 'CREATED, FUNDED, OPEN, CLOSING or CLOSED')
    .action(async (options: Connection & { phase?: string }) => {
      const query = options.phase ? `?phase=${encodeURIComponent(options.phase)}` : '';
      const { bounties } = await call<{ bounties: Record<string, unknown>[] }>(
        `${apiUrl(options)}/bounties${query}`,
      );
      for (const b of bounties) {
        console.log(
          `${b.id}  ${String(b.phase).padEnd(7)}  pool ${b.poolSats} sats  best ${b.bestScore}  ${b.title}`,
        );
      }
    });

  connection(bounty.command('get <id>'))
    .description("a bounty's public terms: payout rule, judge rules, held-out split hash, pool")
    .action(async (id: string, options: Connection) =>
      print(await call(`${apiUrl(options)}/bounties/${id}`)),
    );

  connection(bounty.command('baseline <id>'), 'peer')
    .description('buy the baseline (L402 access fee from your node) and write its files')
    .option('--out <dir>', 'where to write the files', '.')
    .action(async (id: string, options: Connection & { out: string }) => {
      const baseline = await buyBaseline(apiUrl(options), id, lndOf(options));
      for (const [name, text] of Object.entries(baseline.files)) {
        const path = join(options.out, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
        console.log(`wrote ${path}`);
      }
      console.log(`best held-out score so far: ${baseline.bestScore}`);
    });

  connection(bounty.command('submit <id>'), 'peer')
    .description(
      'submit a diff; pays the stake, follows the reward escrow on your node, waits for the verdict',
    )
    .requiredOption('--diff <file>', 'a unified diff against the current baseline')
    .requiredOption('--claim <score>', 'your score on the public split')
    .action(async (id: string, options: Connection & { diff: string; claim: string }) => {
      const started = Date.now();
      const outcome = await submitToBounty({
        apiUrl: apiUrl(options),
        bountyId: id,
        lnd: lndOf(options),
        diff: readFileSync(options.diff, 'utf8'),
        claimedScore: Number(options.claim),
        onProgress: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`),
      });
      print(outcome.submission);
      if (outcome.submission.status !== 'ACCEPTED') process.exitCode = 1;
    });

  connection(bounty.command('status <id> <submissionId>'))
    .description("a submission's status, scores and payout")
    .action(async (id: string, submissionId: string, options: Connection) =>
      print(await call(`${apiUrl(options)}/bounties/${id}/submissions/${submissionId}`)),
    );

  bounty
    .command('demo')
    .description('the example bounty on the local stack: sponsor funds, three agents submit, sponsor closes')
    .action(() => runStackBountyDemo(loadStackConfig(), (line) => console.log(line)));

  connection(bounty.command('close <id>'))
    .description('close your bounty: queued submissions finish, the rest of the pool returns to your node')
    .requiredOption('--token <closeToken>', 'the close token `bounty create` printed')
    .action(async (id: string, options: Connection & { token: string }) => {
      print(await call(`${apiUrl(options)}/bounties/${id}/close`, { closeToken: options.token }));
      let view = await call<{ phase: string; refundedSats: number }>(`${apiUrl(options)}/bounties/${id}`);
      while (view.phase !== 'CLOSED') {
        await new Promise((resolve) => setTimeout(resolve, 500));
        view = await call(`${apiUrl(options)}/bounties/${id}`);
      }
      console.log(`closed; ${view.refundedSats} sats refunded to your node`);
    });
}
