// When the runner reads its credentials again (issue 20, credentials that stay valid): the
// transport in hand until it expires or is rejected; a rejected request repeated once, never
// more; one reload per rejected generation however many requests saw the 401; and the suite
// workers' way to the CLI's thread (a real BroadcastChannel), whose asks carry no credential.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, test } from 'vitest';
import { ChannelCredentials, serveCredentials } from '../../../helpers/credential-channel.ts';
import { expired, RenewingCredentials, withRenewal, type CredentialSource } from '../../../helpers/kube/credentials.ts';
import type { ControlTransport } from '../../../helpers/kube/index.ts';

const transport = (token: string, more: Partial<ControlTransport> = {}): ControlTransport => ({ server: 'https://api.test', headers: { Authorization: `Bearer ${token}` }, tls: {}, ...more });
const tokenOf = (t: ControlTransport) => t.headers.Authorization?.replace('Bearer ', '');

/** A source whose credentials are read again from `tokens` (the next one at each reload), counting reloads. */
function rotating(tokens: string[], options: { now?: () => number; expiresAt?: (token: string) => number | undefined } = {}) {
  let index = 0;
  const stats = { reads: 0, reloads: 0 };
  const source = new RenewingCredentials(
    async () => {
      stats.reads++;
      const token = tokens[index]!;
      const expiresAt = options.expiresAt?.(token);
      return transport(token, expiresAt === undefined ? {} : { expiresAt });
    },
    () => {
      if (index + 1 >= tokens.length) return false;
      index++;
      stats.reloads++;
      return true;
    },
    options.now,
  );
  return { source, stats };
}

describe('withRenewal: a rejected attempt is repeated once with fresh credentials', () => {
  const isRejected = (o: { value: string } | { error: unknown }) => 'value' in o && o.value === '401';

  test('accepted at once: one attempt, no reload', async () => {
    const { source, stats } = rotating(['first', 'second']);
    const tried: string[] = [];
    const answer = await withRenewal(source, async (t) => (tried.push(tokenOf(t)!), '200'), isRejected);
    expect({ answer, tried, reloads: stats.reloads }).toEqual({ answer: '200', tried: ['first'], reloads: 0 });
  });

  test('rejected, then accepted with the credentials read again', async () => {
    const { source, stats } = rotating(['first', 'second']);
    const tried: string[] = [];
    const answer = await withRenewal(source, async (t) => (tried.push(tokenOf(t)!), tokenOf(t) === 'second' ? '200' : '401'), isRejected);
    expect({ answer, tried, reloads: stats.reloads }).toEqual({ answer: '200', tried: ['first', 'second'], reloads: 1 });
  });

  test('rejected again with the fresh credentials: the second answer stands, no third attempt (never a loop)', async () => {
    const { source, stats } = rotating(['first', 'second', 'third']);
    const tried: string[] = [];
    const answer = await withRenewal(source, async (t) => (tried.push(tokenOf(t)!), '401'), isRejected);
    expect({ answer, tried, reloads: stats.reloads }).toEqual({ answer: '401', tried: ['first', 'second'], reloads: 1 });
  });

  test('nothing fresh to try (cannot be read again, or read again to the same token): the first answer stands, one attempt', async () => {
    const cannot: CredentialSource = { current: async () => transport('only'), renew: async () => undefined };
    const same: CredentialSource = { current: async () => transport('only'), renew: async () => transport('only') };
    for (const source of [cannot, same]) {
      let attempts = 0;
      expect(await withRenewal(source, async () => (attempts++, '401'), isRejected)).toBe('401');
      expect(attempts).toBe(1);
    }
  });

  test('a rejection thrown as an error is repeated the same way; other errors are not', async () => {
    const { source } = rotating(['first', 'second']);
    const unauthorized = (o: { value: unknown } | { error: unknown }) => 'error' in o && (o.error as Error).message === '401';
    const tried: string[] = [];
    await expect(
      withRenewal(
        source,
        async (t) => {
          tried.push(tokenOf(t)!);
          throw new Error(tokenOf(t) === 'first' ? '401' : 'the kubelet is down');
        },
        unauthorized,
      ),
    ).rejects.toThrow('the kubelet is down');
    expect(tried).toEqual(['first', 'second']);
  });
});

describe('RenewingCredentials: one reload per rejected generation, read again once expired', () => {
  test('many requests rejected with the same credentials at once: one reload, all get the same fresh transport', async () => {
    const { source, stats } = rotating(['first', 'second', 'third']);
    const rejected = await source.current();
    const fresh = await Promise.all(Array.from({ length: 20 }, () => source.renew(rejected)));
    expect(new Set(fresh.map((t) => tokenOf(t!)))).toEqual(new Set(['second']));
    expect(stats.reloads).toBe(1);
    // A late 401 of the old generation gets the reloaded transport, without another reload.
    expect(tokenOf((await source.renew(rejected))!)).toBe('second');
    expect(stats.reloads).toBe(1);
    // The fresh ones rejected in turn: the next reload.
    expect(tokenOf((await source.renew(fresh[0]!))!)).toBe('third');
    expect(stats.reloads).toBe(2);
  });

  test('cannot be read again: renew gives nothing, the transport in hand stays', async () => {
    const { source } = rotating(['only']);
    const t = await source.current();
    expect(await source.renew(t)).toBeUndefined();
    expect(tokenOf(await source.current())).toBe('only');
  });

  test('an exec plugin token past its expirationTimestamp is read again before use; one without expiry is kept', async () => {
    let now = 1_000_000;
    const expiring = rotating(['token'], { now: () => now, expiresAt: () => now + 60_000 });
    await expiring.source.current();
    await expiring.source.current();
    expect(expiring.stats.reads).toBe(1);
    now += 60_000;
    await expiring.source.current();
    expect(expiring.stats.reads).toBe(2);
    const lasting = rotating(['token'], { now: () => now });
    await lasting.source.current();
    now += 86_400_000;
    await lasting.source.current();
    expect(lasting.stats.reads).toBe(1);
    expect(expired({}, now)).toBe(false);
    expect(expired({ expiresAt: now }, now)).toBe(true);
    expect(expired({ expiresAt: now + 1 }, now)).toBe(false);
  });
});

describe('the credential channel between the suite workers and the CLI thread', () => {
  const opened: { close(): void }[] = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
  });

  test('a worker whose credentials were rejected asks once, the CLI thread reloads once, and every worker gets the fresh ones', async () => {
    const { source, stats } = rotating(['handed-token', 'fresh-token']);
    const handed = await source.current();
    const served = serveCredentials(source);
    opened.push(served);
    // What crosses the channel, as a third party on it sees it.
    const seen: unknown[] = [];
    const spy = new BroadcastChannel(served.name);
    spy.onmessage = (e) => void seen.push((e as { data: unknown }).data);
    opened.push(spy);
    const workers = [new ChannelCredentials(handed, served.name), new ChannelCredentials(handed, served.name)];
    opened.push(...workers);
    expect(tokenOf(await workers[0]!.current())).toBe('handed-token');
    const fresh = await Promise.all([...workers, ...workers].map((w) => w.renew(handed)));
    expect(fresh.map((t) => tokenOf(t!))).toEqual(['fresh-token', 'fresh-token', 'fresh-token', 'fresh-token']);
    expect(stats.reloads).toBe(1);
    expect(tokenOf(await workers[1]!.current())).toBe('fresh-token');
    // One ask per worker, and no ask carries a credential.
    const asks = seen.filter((m) => typeof m === 'object' && m !== null && 'ask' in m);
    expect(asks).toHaveLength(2);
    for (const ask of asks) expect(JSON.stringify(ask)).not.toMatch(/token|Bearer/);
  });

  test('across threads, as the suites run: a worker thread reports its transport rejected and gets the fresh one from this thread', async () => {
    const { source, stats } = rotating(['handed-token', 'fresh-token']);
    const served = serveCredentials(source);
    opened.push(served);
    // The fixture is TypeScript: the worker registers tsx's loader, then imports it.
    const fixture = pathToFileURL(path.join(import.meta.dirname, 'fixtures', 'channel-worker.ts')).href;
    const worker = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(fixture)}); })`, {
      eval: true,
      workerData: { handed: await source.current(), channel: served.name },
    });
    const answer = await new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer).toBe('Bearer fresh-token');
    expect(stats.reloads).toBe(1);
  });

  test('nobody answers (the CLI thread is gone): the worker keeps what it has and renew gives nothing', async () => {
    const worker = new ChannelCredentials(transport('handed-token'), 'kube-netconform.credentials.nobody', { timeoutMs: 50 });
    opened.push(worker);
    expect(await worker.renew(transport('handed-token'))).toBeUndefined();
    expect(tokenOf(await worker.current())).toBe('handed-token');
  });

  test('an expired transport in a worker is replaced by the CLI thread’s current one before use', async () => {
    let now = 5_000_000;
    const { source } = rotating(['token'], { now: () => now, expiresAt: () => now + 1000 });
    const served = serveCredentials(source);
    opened.push(served);
    const worker = new ChannelCredentials(await source.current(), served.name, { now: () => now });
    opened.push(worker);
    now += 2000;
    expect((await worker.current()).expiresAt).toBe(now + 1000);
  });
});
