// One keep-alive connection pool for the typed API calls. client-node 1.x builds a new
// https.Agent for every request (KubeConfig.applySecurityAuthentication): each request opened a
// TCP connection and did a TLS handshake, on both ends (a profile of a full run: ~0.6 s of the
// CLI's CPU in TLS set-up, and the API server's own share on a 2-core machine). A request
// middleware swaps that fresh agent for a shared keep-alive one with the same TLS options; when
// they change (an exec credential plugin handed out a new client certificate) a new pool starts.
// Proxy agents (a kubeconfig `proxy-url`) are left as client-node made them.
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

/** The TLS options client-node sets on its agents (config.ts applySecurityAuthentication). */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'] as const;
type TlsOptions = Partial<Record<(typeof TLS_KEYS)[number], unknown>>;

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

export function sameTls(a: TlsOptions, b: TlsOptions): boolean {
  return TLS_KEYS.every((k) => sameValue(a[k], b[k]));
}

export class KeepAliveAgents implements k8s.Middleware {
  private agent?: https.Agent;
  private tls?: TlsOptions;
  /** Agents made (one unless the TLS identity changed during the run). */
  made = 0;

  constructor(private readonly maxSockets = 32) {}

  pre = async (context: k8s.RequestContext): Promise<k8s.RequestContext> => {
    const fresh = context.getAgent();
    // Exactly https.Agent: not a proxy agent (those subclass http.Agent) nor anything else.
    if (!fresh || fresh.constructor !== https.Agent) return context;
    const tls = Object.fromEntries(TLS_KEYS.map((k) => [k, (fresh as https.Agent).options[k]])) as TlsOptions;
    if (!this.agent || !this.tls || !sameTls(this.tls, tls)) {
      this.agent?.destroy();
      this.agent = new https.Agent({ ...(fresh as https.Agent).options, keepAlive: true, maxSockets: this.maxSockets });
      this.tls = tls;
      this.made++;
    }
    context.setAgent(this.agent);
    return context;
  };

  post = async (response: k8s.ResponseContext): Promise<k8s.ResponseContext> => response;

  /** Close the pool's sockets (idle keep-alive sockets never hold the process open; this frees them at once). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
