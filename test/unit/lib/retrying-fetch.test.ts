import type { Server } from 'node:http';
import express from 'express';
import { SERVER_KEEP_ALIVE_MS, listen } from '../../../api/listen';
import { requestJson, sendJson } from '../../../clients/http-json';
import { ServerAnswerError, call, jsonRequest } from '../../../clients/l402-client';
import type { RetryPolicy } from '../../../clients/retrying-fetch';
import {
  CLIENT_IDLE_TIMEOUT_MS,
  backoffMs,
  isRepeatable,
  retryAfterMs,
} from '../../../clients/retrying-fetch';
import type { Fault, FaultServer } from '../../support/fault-server';
import { startFaultServer } from '../../support/fault-server';

const quick: RetryPolicy = { attempts: 5, baseDelayMs: 5, maxDelayMs: 20, attemptTimeoutMs: 2_000 };

describe('clients repeat what is safe to repeat over a bad network', () => {
  let server: FaultServer | null = null;
  const serve = async (plan: (n: number) => Fault) => (server = await startFaultServer(plan));
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('a GET survives connection resets and 503s with Retry-After', async () => {
    const faults: Fault[] = ['reset', 'reset', { status: 503, retryAfter: '0' }, 'reset'];
    const { url, connections } = await serve((n) => faults[n] ?? 'ok');
    const answer = await call<{ ok: boolean }>(url, {}, quick);
    expect(answer).toMatchObject({ status: 200, body: { ok: true } });
    expect(connections()).toBe(5);
  });

  it('an attempt that never answers is abandoned at its deadline and repeated', async () => {
    const { url, connections } = await serve((n) => (n === 0 ? 'hang' : 'ok'));
    const answer = await call(url, {}, { ...quick, attemptTimeoutMs: 500 });
    expect(answer.status).toBe(200);
    // At least the silent one and the answered one (a loaded machine may time out an answer too).
    expect(connections()).toBeGreaterThanOrEqual(2);
  });

  it('gives up after the policy’s attempts: the last reset is the error', async () => {
    const { url, connections } = await serve(() => 'reset');
    await expect(call(url, {}, quick)).rejects.toThrow('fetch failed');
    expect(connections()).toBe(quick.attempts);
  });

  it('a 503 that persists comes back as the answer after the last attempt', async () => {
    const { url, connections } = await serve(() => ({ status: 503, retryAfter: '0' }));
    await expect(call(url, {}, quick)).resolves.toMatchObject({ status: 503 });
    expect(connections()).toBe(quick.attempts);
  });

  it('a 503 without Retry-After, or a 500, is an answer, not a retry', async () => {
    const { url, connections } = await serve((n) => ({ status: n === 0 ? 503 : 500 }));
    await expect(call(url, {}, quick)).resolves.toMatchObject({ status: 503 });
    await expect(call(url, {}, quick)).resolves.toMatchObject({ status: 500 });
    expect(connections()).toBe(2);
  });

  it('a POST without an idempotency key is sent once: a reset could have hidden a done submission', async () => {
    const { url, connections } = await serve((n) => (n === 0 ? 'reset' : 'ok'));
    await expect(call(url, jsonRequest('POST', { a: 1 }), quick)).rejects.toThrow('fetch failed');
    expect(connections()).toBe(1);
  });

  it('a POST with a key is repeated with the same key', async () => {
    const { url, connections, keys } = await serve((n) => (n < 2 ? 'reset' : 'ok'));
    const answer = await call(url, jsonRequest('POST', { a: 1 }, undefined, 'key-1'), quick);
    expect(answer.status).toBe(200);
    expect(connections()).toBe(3);
    expect(keys()).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it('sendJson gives each call its own key and keeps it across its retries', async () => {
    const { url, keys } = await serve((n) => (n === 0 || n === 2 ? 'reset' : 'ok'));
    await sendJson(url, 'POST', { a: 1 });
    await sendJson(url, 'PUT', { a: 2 });
    const [first, firstRetry, second, secondRetry] = keys();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(firstRetry).toBe(first);
    expect(secondRetry).toBe(second);
    expect(second).not.toBe(first);
  });

  it('a refusal keeps its code after retries', async () => {
    const { url } = await serve((n) => (n === 0 ? 'reset' : { status: 409 }));
    await expect(requestJson(url)).rejects.toMatchObject({ code: 'BUSY', status: 409 });
    await expect(requestJson(url)).rejects.toBeInstanceOf(ServerAnswerError);
  });
});

describe('retry rules', () => {
  it.each([
    [{}, true],
    [{ method: 'GET' }, true],
    [{ method: 'POST' }, false],
    [{ method: 'PUT', headers: { 'content-type': 'application/json' } }, false],
    [{ method: 'PUT', headers: { 'Idempotency-Key': 'k' } }, true],
  ])('isRepeatable(%j) is %s', (init, expected) => {
    expect(isRepeatable(init as RequestInit)).toBe(expected);
  });

  it.each([
    ['3', 3_000],
    ['0', 0],
    [' 12 ', 12_000],
    ['', null],
    ['soon', null],
  ])('Retry-After %j is %s ms', (header, expected) => {
    expect(retryAfterMs(header)).toBe(expected);
  });

  it('reads an HTTP-date Retry-After against now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('backoff is jittered under the capped exponential step', () => {
    const policy: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, attemptTimeoutMs: 1 };
    expect([0, 1, 2, 3, 8].map((attempt) => backoffMs(policy, attempt, () => 0.999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffMs(policy, 5, () => 0)).toBe(0);
  });
});

describe('server keep-alive', () => {
  let server: Server;
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('outlasts the clients’ idle timeout, so a reused socket is never one the server is closing', async () => {
    server = await listen(express(), 0, '127.0.0.1');
    expect(server.keepAliveTimeout).toBe(SERVER_KEEP_ALIVE_MS);
    expect(server.keepAliveTimeout).toBeGreaterThan(CLIENT_IDLE_TIMEOUT_MS);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });
});
