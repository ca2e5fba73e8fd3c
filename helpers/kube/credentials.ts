// Credentials that stay valid for a whole run (issue 20). The runner speaks to the API server
// itself (exec streams, log reads: helpers/http.ts) with a transport resolved from the kubeconfig;
// a token can stop working while the run goes (an exec credential plugin's token expires, a
// rotated token file, a bound token whose object went). The rules, in one place:
//   - the transport in hand is used until it has expired (an exec plugin's expirationTimestamp)
//     or the API server rejects it (401);
//   - then the credentials are read again the way kubectl does (helpers/kube/client.ts,
//     Kube.reloadCredentials: the kubeconfig from its source, exec plugins run anew), once per
//     rejected transport however many requests saw the 401 (`generation` tells them apart);
//   - a rejected request is repeated once with the fresh transport, never more, and not at all
//     when reading again gave the same credentials.
// No client library here: the suite workers use this beside a channel to the CLI's thread
// (helpers/kube/credential-channel.ts). No credential ever goes into a message or a log.
import type { ControlTransport } from './config.ts';

/** Where a client of the API server gets the transport for its next request. */
export interface CredentialSource {
  /** The transport to use now: the one in hand, or a fresh one when it has expired. */
  current(): Promise<ControlTransport>;
  /** `rejected` got a 401: a transport from credentials read again, or undefined when none can be had. */
  renew(rejected: ControlTransport): Promise<ControlTransport | undefined>;
}

/**
 * True when the transport's credentials have expired per the exec plugin's expirationTimestamp
 * (as kubectl and the client library take it: no margin, so both agree on when to run the
 * plugin again); never for credentials without one.
 */
export function expired(t: Pick<ControlTransport, 'expiresAt'>, now = Date.now()): boolean {
  return t.expiresAt !== undefined && t.expiresAt <= now;
}

const text = (v: string | Buffer | undefined) => (v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : v);

/** Do two transports present the same credentials (auth headers, client certificate and key)? */
export function sameCredentials(a: ControlTransport, b: ControlTransport): boolean {
  const headers = (t: ControlTransport) => JSON.stringify(Object.entries(t.headers).sort(([x], [y]) => x.localeCompare(y)));
  return headers(a) === headers(b) && text(a.tls.cert) === text(b.tls.cert) && text(a.tls.key) === text(b.tls.key);
}

/** Do two transports need different TLS connections (another CA, client certificate or key)? */
export function sameTls(a: ControlTransport, b: ControlTransport): boolean {
  return text(a.tls.ca) === text(b.tls.ca) && text(a.tls.cert) === text(b.tls.cert) && text(a.tls.key) === text(b.tls.key) && a.tls.rejectUnauthorized === b.tls.rejectUnauthorized;
}

/** A transport that is never read again (a hand-made one, tests): renewing gives nothing. */
export function fixedCredentials(t: ControlTransport): CredentialSource {
  return { current: () => Promise.resolve(t), renew: () => Promise.resolve(undefined) };
}

export function isCredentialSource(v: ControlTransport | CredentialSource): v is CredentialSource {
  return typeof (v as CredentialSource).current === 'function';
}

/**
 * Run `attempt` with the source's current transport; when `rejected` says the API server
 * refused its credentials, renew them and run it once more with the fresh transport (never a
 * third time). The first outcome stands when there is nothing fresh to try.
 */
export async function withRenewal<T>(source: CredentialSource, attempt: (t: ControlTransport) => Promise<T>, rejected: (outcome: { value: T } | { error: unknown }) => boolean): Promise<T> {
  const first = await source.current();
  const outcome = await settle(attempt(first));
  if (!rejected(outcome)) return unwrap(outcome);
  const fresh = await source.renew(first).catch(() => undefined);
  if (!fresh || sameCredentials(fresh, first)) return unwrap(outcome);
  return attempt(fresh);
}

async function settle<T>(p: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

function unwrap<T>(o: { value: T } | { error: unknown }): T {
  if ('error' in o) throw o.error;
  return o.value;
}

/**
 * The renewal bookkeeping of one holder of credentials (Kube.credentials: the CLI's, or one a
 * suite worker loads itself): `read` gives the transport of the credentials as they are now, `reload` reads
 * them again from their source. A transport is read again when it has expired; a rejected one
 * is reloaded once — a second 401 of the same generation gets the transport already reloaded.
 */
export class RenewingCredentials implements CredentialSource {
  private held?: Promise<ControlTransport>;
  private reloads = 0;
  private renewing?: Promise<ControlTransport | undefined>;

  constructor(
    private readonly read: () => Promise<ControlTransport>,
    private readonly reload: () => Promise<boolean> | boolean,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<ControlTransport> {
    const held = (this.held ??= this.fresh());
    const t = await held;
    if (!expired(t, this.now())) return t;
    if (this.held === held) this.held = this.fresh();
    return this.held;
  }

  /** Reloads so far: a transport carries the generation it was read in. */
  get generation(): number {
    return this.reloads;
  }

  renew(rejected: ControlTransport): Promise<ControlTransport | undefined> {
    return this.renewFrom(rejected.generation ?? 0);
  }

  /** The credentials of `generation` were rejected: reload them, unless that was done since (then the transport of the newer ones). */
  renewFrom(generation: number): Promise<ControlTransport | undefined> {
    if (generation < this.reloads) return this.current();
    return (this.renewing ??= (async () => {
      try {
        if (!(await this.reload())) return undefined;
        this.reloads++;
        this.held = this.fresh();
        return await this.held;
      } finally {
        this.renewing = undefined;
      }
    })());
  }

  private fresh(): Promise<ControlTransport> {
    const generation = this.reloads;
    const p = this.read().then((t) => ({ ...t, generation }));
    // A failed read is not kept: the next use tries again.
    p.catch(() => {
      if (this.held === p) this.held = undefined;
    });
    return p;
  }
}
