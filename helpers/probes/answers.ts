// What the probes' servers answer: fixed texts, set when the pod is made, never computed from a
// request. Every probe runs agnhost `porter` (an HTTP server on each SERVE_PORT_<n>, a UDP one on
// each SERVE_UDP_PORT_<n>, both answering the variable's value to anything): its name, padded to
// a fixed length (so a UDP client knows when the answer is whole), and on the full-size ports a
// fixed body larger than one MTU. Pure; unit-tested.
import type { Protocol } from '../check/types.ts';

/** Every name answer is this long: the name, then spaces (readers trim). Pod names are at most 63 bytes. */
export const ANSWER_BYTES = 64;

export function paddedAnswer(name: string): string {
  if (name.length >= ANSWER_BYTES) throw new RangeError(`an answer name is at most ${ANSWER_BYTES - 1} bytes: ${name}`);
  return name.padEnd(ANSWER_BYTES, ' ');
}

/** Full-size rows: the request and the answer are each this large (more than one MTU; the UDP one fragments). */
export const FULL_BYTES: Record<Protocol, number> = { tcp: 20 * 1024, udp: 1900 };

/** The line the full-size body repeats (the probe's bash builds the body it expects from it). */
export const FULL_PATTERN = 'kube-netconform full-size answer 0123456789abcdefghijklmnopqrstuvwxyz\n';

/** The fixed body a full-size port answers with (printable, so it survives an env variable). */
export function fullBody(protocol: Protocol): string {
  const bytes = FULL_BYTES[protocol];
  return FULL_PATTERN.repeat(Math.ceil(bytes / FULL_PATTERN.length)).slice(0, bytes);
}

/** The request byte a full-size request repeats (the probe's bash makes it with printf: probes/full-client.ts). */
export const FULL_REQUEST_BYTE = 'x';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** POSIX `cksum` of a text: "CRC LENGTH", as coreutils' and busybox's cksum print it. */
export function posixCksum(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let crc = 0;
  const step = (byte: number) => {
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  };
  for (const b of bytes) step(b);
  for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff);
  return `${~crc >>> 0} ${bytes.length}`;
}

/** porter's environment for a probe: the name on the HTTP and UDP ports, the full-size bodies on theirs. */
export function porterEnv(options: { name: string; http: number; udp: number; full?: { http: number; udp: number } }): { name: string; value: string }[] {
  const answer = paddedAnswer(options.name);
  const env = [
    { name: `SERVE_PORT_${options.http}`, value: answer },
    { name: `SERVE_UDP_PORT_${options.udp}`, value: answer },
  ];
  if (options.full) {
    env.push({ name: `SERVE_PORT_${options.full.http}`, value: fullBody('tcp') }, { name: `SERVE_UDP_PORT_${options.full.udp}`, value: fullBody('udp') });
  }
  return env;
}
