import http from 'node:http';
import https from 'node:https';
import { RequestContext, HttpMethod } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { KeepAliveAgents, sameTls } from '../../../helpers/kube/agents.ts';

/** What client-node does for each request: a fresh https.Agent with the context's TLS options. */
function contextWith(agent: http.Agent | https.Agent): RequestContext {
  const ctx = new RequestContext('https://127.0.0.1:6443/api/v1/nodes', HttpMethod.GET);
  ctx.setAgent(agent);
  return ctx;
}

describe('one keep-alive pool for the typed API calls', () => {
  test('fresh agents with the same TLS options become one keep-alive agent', async () => {
    const pool = new KeepAliveAgents();
    const a = await pool.pre(contextWith(new https.Agent({ ca: 'CA', cert: 'C1', key: 'K1' })));
    const b = await pool.pre(contextWith(new https.Agent({ ca: 'CA', cert: 'C1', key: 'K1' })));
    expect(a.getAgent()).toBe(b.getAgent());
    expect((a.getAgent() as https.Agent & { keepAlive: boolean }).keepAlive).toBe(true);
    expect((a.getAgent() as https.Agent).options).toMatchObject({ ca: 'CA', cert: 'C1', key: 'K1' });
    expect(pool.made).toBe(1);
    pool.close();
  });

  test('a new client certificate (an exec plugin rotated it) starts a new pool with it', async () => {
    const pool = new KeepAliveAgents();
    const first = (await pool.pre(contextWith(new https.Agent({ cert: Buffer.from('C1'), key: 'K' })))).getAgent();
    const second = (await pool.pre(contextWith(new https.Agent({ cert: Buffer.from('C2'), key: 'K' })))).getAgent();
    expect(second).not.toBe(first);
    expect((second as https.Agent).options.cert).toEqual(Buffer.from('C2'));
    expect(pool.made).toBe(2);
    pool.close();
  });

  test('proxy agents and plain-HTTP agents are left as client-node made them', async () => {
    class ProxyAgent extends http.Agent {}
    const pool = new KeepAliveAgents();
    const proxy = new ProxyAgent();
    expect((await pool.pre(contextWith(proxy))).getAgent()).toBe(proxy);
    const plain = new http.Agent();
    expect((await pool.pre(contextWith(plain))).getAgent()).toBe(plain);
    expect(pool.made).toBe(0);
  });

  test('TLS identity: buffers by content, every option that reaches the handshake', () => {
    expect(sameTls({ ca: Buffer.from('x') }, { ca: Buffer.from('x') })).toBe(true);
    expect(sameTls({ ca: 'x', servername: 'a' }, { ca: 'x', servername: 'b' })).toBe(false);
    expect(sameTls({ rejectUnauthorized: false }, {})).toBe(false);
  });
});
