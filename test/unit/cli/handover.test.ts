// The hand-over from the CLI to the suites' globalSetup (helpers/plan.ts): offered in memory in
// the CLI's own process, taken once, and never through the environment. PEM material becomes
// text, so it survives the structured clone to the suite workers.
import { describe, expect, test } from 'vitest';
import { offerHandover, serializeControlTransport, takeOfferedHandover, type Handover } from '../../../helpers/plan.ts';

describe('hand-over in memory', () => {
  test('what the CLI offers, the globalSetup takes whole, once; the environment never holds it', async () => {
    const control = serializeControlTransport({
      server: 'https://172.28.0.10:6443',
      headers: { authorization: 'Bearer t0ken-in-memory' },
      tls: { key: Buffer.from('-----BEGIN KEY-----\nabc\n-----END KEY-----\n'), ca: 'CA' },
    });
    const handover: Handover = { planChannel: 'kube-netconform.plans.test', control, credentialChannel: 'kube-netconform.credentials.test' };
    const envBefore = JSON.stringify(process.env);
    offerHandover(Promise.resolve(handover));
    expect(JSON.stringify(process.env)).toBe(envBefore);
    expect(JSON.stringify(process.env)).not.toContain('t0ken-in-memory');
    const taken = takeOfferedHandover();
    expect(await taken).toEqual(handover);
    expect(structuredClone(handover).control!.tls.key).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
    expect(takeOfferedHandover(), 'taken once').toBeUndefined();
  });

  test('nothing offered (the suites run without the CLI): nothing to take', () => {
    offerHandover(undefined);
    expect(takeOfferedHandover()).toBeUndefined();
  });
});
