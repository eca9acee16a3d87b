import type { AuthenticatedLnd } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { reconcileLedger } from '../../../activities/reconcile';
import { ledgerRepository } from '../../../db/repos/ledger';
import { channelBalance, testLnd } from '../lightning';
import { unresolved, until } from './lnd-checks';
import type { ScenarioDeps, ScenarioRun } from './scenarios';
import { checkHashes } from './scenarios';

export interface WatchedNode {
  name: string;
  lnd: AuthenticatedLnd;
}

/** Every node of the test stack: each one's channel balance must end exactly where a scenario says. */
export const stackNodes = (): WatchedNode[] =>
  ['coordinator', 'peer', 'sponsor', 'peer2', 'peer3'].map((name) => ({ name, lnd: testLnd(name) }));

export async function channelBalances(nodes: WatchedNode[]): Promise<Map<string, number>> {
  return new Map(
    await Promise.all(nodes.map(async (node) => [node.name, await channelBalance(node.lnd)] as const)),
  );
}

/** How a scenario's money ended, once every flow is final. */
export interface Books {
  /** Hashes paid more than once or more than agreed, plus nodes that ended above where they should. */
  doublePays: number;
  /** Sats by which nodes ended below where they should. */
  lostSats: number;
  /** [node, sats it moved] for each expected move, and the same with the sats it should have moved. */
  moved: [string, number][];
  expected: [string, number][];
  /** What is wrong on LND or in the ledger, hash by hash, and anything the scenario itself found. */
  problems: string[];
  /** Held invoices and pending HTLCs left on any node; the ledger's rows not final; ledger vs LND. */
  unresolved: { node: string; heldInvoices: string[]; pendingHtlcs: number }[];
  nonFinalRows: string[];
  ledgerDifferences: unknown[];
}

/** Balances, hashes, leftovers and the ledger against LND after `run`, from the balances taken before it. */
export async function settleUp(
  deps: ScenarioDeps,
  nodes: WatchedNode[],
  before: Map<string, number>,
  run: ScenarioRun,
): Promise<Books> {
  const moved = await Promise.all(
    run.moves.map(async (move) => {
      const from = before.get(move.node) as number;
      // LND updates a channel balance a moment after the HTLC resolves.
      const now = await until(
        `${move.node}'s balance to move by ${move.sats}`,
        async () => {
          const balance = await channelBalance(move.lnd);
          return balance - from === move.sats && balance;
        },
        15_000,
      ).catch(() => channelBalance(move.lnd));
      return { ...move, actual: now - from };
    }),
  );
  const hashes = await checkHashes(deps, run.hashes);
  const ledger = ledgerRepository(deps.prisma);
  const left = await Promise.all(
    nodes.map(async (node) => ({ node: node.name, ...(await unresolved(node.lnd)) })),
  );
  return {
    doublePays: hashes.doublePays.length + moved.filter((move) => move.actual > move.sats).length,
    lostSats: moved.reduce((total, move) => total + Math.max(0, move.sats - move.actual), 0),
    moved: moved.map((move) => [move.node, move.actual]),
    expected: moved.map((move) => [move.node, move.sats]),
    problems: [...(run.problems ?? []), ...hashes.problems],
    unresolved: left.filter((node) => node.heldInvoices.length > 0 || node.pendingHtlcs > 0),
    nonFinalRows: (await ledger.listNonFinal()).map(
      (row) => `${row.direction} ${row.paymentHash} ${row.state}`,
    ),
    ledgerDifferences: await reconcileLedger(
      { ledger, lightning: lnServiceClient(deps.coordinator) },
      { repair: false },
    ),
  };
}

/** Everything final and balanced: paid once, nothing lost or left held, the ledger equal to LND. */
export function expectBalanced(books: Books): void {
  expect(books.doublePays).toBe(0);
  expect(books.lostSats).toBe(0);
  expect(books.moved).toEqual(books.expected);
  expect(books.problems).toEqual([]);
  expect(books.unresolved).toEqual([]);
  expect(books.nonFinalRows).toEqual([]);
  expect(books.ledgerDifferences).toEqual([]);
}

/** One line per case: flows, retries, restarts, double pays, lost sats, time to final. */
export interface SummaryRow {
  name: string;
  flows: number;
  retries: number | null;
  restarts: number;
  doublePays: number;
  lostSats: number;
  finalAfterRestartS: number;
}

export function formatSummary(title: string, rows: SummaryRow[]): string {
  return [
    title,
    'case                                  flows retries restarts double-pays lost-sats final-after-restart',
    ...rows.map(
      (row) =>
        `${row.name.padEnd(38)}${String(row.flows).padStart(5)}${String(row.retries ?? '-').padStart(8)}` +
        `${String(row.restarts).padStart(9)}${String(row.doublePays).padStart(12)}` +
        `${String(row.lostSats).padStart(10)}${`${row.finalAfterRestartS.toFixed(1)} s`.padStart(20)}`,
    ),
  ].join('\n');
}
