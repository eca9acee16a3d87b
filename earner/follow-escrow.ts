import type { AuthenticatedLnd } from 'ln-service';
import { L402TrainError } from '../lib/errors';
import type { EscrowStatus } from '../workflows/definitions';
import type { RevealedPreimage } from './escrow-client';
import { escrowEarner } from './escrow-client';

export interface EscrowView extends EscrowStatus {
  escrowId: string;
  preimages: (RevealedPreimage & { tranche: number })[];
}

export interface FollowEscrowOptions {
  apiUrl: string;
  escrowId: string;
  lnd: AuthenticatedLnd;
  /** Final CLTV delta of the earner's hold invoices; must not exceed what the coordinator publishes. */
  cltvDelta: number;
  pollMs?: number;
  onPhase?: (view: EscrowView) => void;
}

export interface FollowedEscrow {
  revealed: number;
  earnedSats: number;
  phase: EscrowStatus['phase'];
}

const FINISHED: EscrowStatus['phase'][] = ['released', 'completed', 'expired', 'invalid-invoices'];

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body = (await response.json()) as T & { error?: { code: string; message: string; hint?: string } };
  if (!response.ok) {
    throw new L402TrainError(
      body.error?.code ?? 'HTTP_ERROR',
      body.error?.message ?? `HTTP ${response.status}`,
      response.status,
      body.error?.hint,
    );
  }
  return body;
}

/**
 * The earner's whole side of a reward escrow over the coordinator's API: hold invoices on its own node for the
 * escrow's hashes, handed in; then, once decided, settle the revealed tranches and cancel the rest.
 */
export async function followEscrow(options: FollowEscrowOptions): Promise<FollowedEscrow> {
  const url = `${options.apiUrl}/escrows/${options.escrowId}`;
  const pollMs = options.pollMs ?? 250;
  const earner = escrowEarner(options.lnd);
  const wait = () => new Promise((resolve) => setTimeout(resolve, pollMs));

  let view = await getJson<EscrowView>(url);
  while (view.paymentHashes.length === 0) {
    await wait();
    view = await getJson<EscrowView>(url);
  }
  const invoices = await earner.createInvoices(view.paymentHashes, view.trancheSats, {
    cltvDelta: options.cltvDelta,
    expiresInSeconds: 3_600,
  });
  await getJson(`${url}/invoices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ invoices }),
  });
  let phase = view.phase;
  while (!FINISHED.includes(view.phase)) {
    await wait();
    view = await getJson<EscrowView>(url);
    if (view.phase !== phase) options.onPhase?.(view);
    phase = view.phase;
  }
  await earner.resolve(view.paymentHashes, view.preimages);
  const revealed = view.revealed ?? 0;
  return {
    revealed,
    phase: view.phase,
    earnedSats: view.trancheSats.slice(0, revealed).reduce((total, sats) => total + sats, 0),
  };
}
