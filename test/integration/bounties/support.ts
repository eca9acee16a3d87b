import { getWalletInfo } from 'ln-service';
import type { AuthenticatedLnd } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import type { RouteLimits } from '../../../api/rate-limit';
import { apiRoutes } from '../../../server/coordinator/routes';
import { startTestApi } from '../../support/api';
import { validationActivities } from '../../../server/coordinator/validator';
import type { ControlHarness } from '../../support/harness';
import { startControlHarness } from '../../support/harness';
import { testLnd } from '../../support/lightning';

export interface BountyTestApi {
  harness: ControlHarness;
  apiUrl: string;
  stop(): Promise<void>;
}

/** The coordinator's API on an ephemeral port over a harness with a control and a validation worker. */
export async function startBountyApi(options: { rateLimits?: RouteLimits } = {}): Promise<BountyTestApi> {
  const harness = await startControlHarness({
    validationActivities: (prisma) => validationActivities(prisma),
  });
  const api = await startTestApi(
    apiRoutes({
      temporal: harness.client,
      prisma: harness.db.prisma,
      lightning: lnServiceClient(testLnd('coordinator')),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    }),
  );
  return {
    harness,
    apiUrl: api.url,
    stop: async () => {
      await api.close();
      await harness.stop();
    },
  };
}

export async function request(
  apiUrl: string,
  path: string,
  init: { method?: string; body?: unknown; raw?: string; authorization?: string } = {},
) {
  const response = await fetch(`${apiUrl}${path}`, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? 'GET' : 'POST'),
    headers: {
      'content-type': 'application/json',
      ...(init.authorization ? { authorization: init.authorization } : {}),
    },
    ...(init.raw !== undefined
      ? { body: init.raw }
      : init.body !== undefined
        ? { body: JSON.stringify(init.body) }
        : {}),
  });
  const body = (await response.json()) as Record<string, unknown> & {
    error?: { code: string; message: string };
  };
  return { status: response.status, body, challenge: response.headers.get('www-authenticate') };
}

export function parseChallenge(header: string | null): { macaroon: string; invoice: string } {
  const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(header ?? '');
  if (!match) throw new Error(`not an L402 challenge: ${header}`);
  return { macaroon: match[1] as string, invoice: match[2] as string };
}

/** The body of `POST /bounties` for the example bundle, funded by `sponsor`'s node, an hour to run. */
export async function exampleBountyBody(
  sponsor: AuthenticatedLnd,
  terms: { budgetSats: number; payoutRule: unknown; stakeSats: number; baselineFeeSats: number },
) {
  return {
    bundle: 'example-sort',
    ...terms,
    sponsorPublicKey: (await getWalletInfo({ lnd: sponsor })).public_key,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
  };
}
