import { inspect } from 'node:util';

import { importMacaroon, newMacaroon } from 'macaroon';

import { InMemoryRootKeyStore, L402RejectedError, mintToken, verifyToken } from '../../../api/l402';
import { exportMacaroonBinary } from '../../../api/l402/binary';
import { decodeIdentifier, encodeIdentifier } from '../../../api/l402/identifier';
import { decodeMacaroon } from '../../../api/l402/token';

const paymentHash = 'ab'.repeat(32);
const scope = {
  service: 'bounty',
  tier: 0,
  capability: 'baseline',
  validUntil: 2_000_000_000,
  resource: 'bounty-a',
  priceSats: 5,
};
const check = {
  service: 'bounty',
  capability: 'baseline',
  nowMs: 1_900_000_000_000,
  resource: 'bounty-a',
  priceSats: 5,
};

describe('exportMacaroonBinary', () => {
  it.each([0, 1])('writes the same bytes as the macaroon package (%i caveats)', (caveats) => {
    const m = newMacaroon({ identifier: new Uint8Array(66), rootKey: new Uint8Array(32), location: 'loc' });
    for (let i = 0; i < caveats; i += 1) m.addFirstPartyCaveat(`services=bounty:${i}`);
    const reference = (m as unknown as { exportBinary(): Uint8Array }).exportBinary();
    expect(Buffer.from(exportMacaroonBinary(m))).toEqual(Buffer.from(reference));
  });

  it('round-trips many caveats, which the package itself cannot export', () => {
    const rootKey = new Uint8Array(32).fill(9);
    const m = newMacaroon({ identifier: new Uint8Array(66), rootKey });
    const conditions = Array.from({ length: 40 }, (_, i) => `bounty_valid_until=${2_000_000_000 - i}`);
    conditions.forEach((condition) => m.addFirstPartyCaveat(condition));
    const copy = importMacaroon(exportMacaroonBinary(m));
    expect(copy.caveats.map((c) => Buffer.from(c.identifier).toString())).toEqual(conditions);
    expect(() => copy.verify(rootKey, () => null)).not.toThrow();
  });
});

describe('identifier', () => {
  it('round-trips the Aperture layout', () => {
    const tokenId = 'cd'.repeat(32);
    const bytes = encodeIdentifier({ paymentHash, tokenId });
    expect(Buffer.from(bytes).toString('hex')).toBe(`0000${paymentHash}${tokenId}`);
    expect(decodeIdentifier(bytes)).toEqual({ paymentHash, tokenId });
  });

  it.each([
    ['a v1 identifier', Buffer.from(`0001${'ab'.repeat(64)}`, 'hex')],
    ['a short identifier', Buffer.alloc(65)],
    ['a long identifier', Buffer.alloc(67)],
  ])('rejects %s', (_label, bytes) => {
    expect(() => decodeIdentifier(new Uint8Array(bytes))).toThrow(
      expect.objectContaining({ code: 'L402_MALFORMED' }),
    );
  });
});

describe('mintToken and verifyToken', () => {
  it('mints a token that verifies with its own root key and returns its identity and expiry', async () => {
    const rootKeys = new InMemoryRootKeyStore();
    const { macaroon, tokenId } = await mintToken(rootKeys, paymentHash, scope);
    expect(await verifyToken(macaroon, rootKeys, check)).toEqual({
      paymentHash,
      tokenId,
      expiresAt: 2_000_000_000,
      paidSats: 5,
    });
  });

  it('gives every token its own root key', async () => {
    const rootKeys = new InMemoryRootKeyStore();
    const a = await mintToken(rootKeys, paymentHash, scope);
    const b = await mintToken(rootKeys, paymentHash, scope);
    expect(a.tokenId).not.toBe(b.tokenId);
    expect(await rootKeys.get(a.tokenId)).not.toEqual(await rootKeys.get(b.tokenId));
    await rootKeys.revoke(a.tokenId);
    await expect(verifyToken(a.macaroon, rootKeys, check)).rejects.toMatchObject({
      code: 'L402_TOKEN_REVOKED',
    });
    await expect(verifyToken(b.macaroon, rootKeys, check)).resolves.toMatchObject({ tokenId: b.tokenId });
  });

  it('rejects a macaroon signed with another root key', async () => {
    const rootKeys = new InMemoryRootKeyStore();
    const { macaroon, tokenId } = await mintToken(new InMemoryRootKeyStore(), paymentHash, scope);
    await rootKeys.create(tokenId);
    await expect(verifyToken(macaroon, rootKeys, check)).rejects.toMatchObject({
      code: 'L402_BAD_SIGNATURE',
    });
  });

  it('keeps root keys out of inspection', async () => {
    const rootKeys = new InMemoryRootKeyStore();
    const { tokenId } = await mintToken(rootKeys, paymentHash, scope);
    const key = (await rootKeys.get(tokenId))!.toString('hex');
    expect(JSON.stringify(rootKeys)).not.toContain(key);
    expect(inspect(rootKeys, { depth: 5, showHidden: true })).not.toMatch(/Buffer|Map/);
  });

  it.each([
    ['empty', ''],
    ['not a macaroon', Buffer.from('hello').toString('base64')],
    ['oversized', Buffer.alloc(5000, 2).toString('base64')],
  ])('rejects a %s macaroon as malformed', (_label, encoded) => {
    expect(() => decodeMacaroon(encoded)).toThrow(L402RejectedError);
  });
});
