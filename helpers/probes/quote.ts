// One word for a probe's bash command line: plain words as they are, the rest single-quoted.
// Pure; the probes' command builders (client.ts, http-client.ts, full-client.ts, lookup.ts) share it.

/** Single-quote for bash. */
export function q(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
