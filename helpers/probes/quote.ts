// One word for a shell command line: plain words as they are, the rest single-quoted. The probes'
// command builders (client.ts, http-client.ts, full-client.ts, lookup.ts, netpol/probe.ts) share
// it with the reproduction commands a person pastes (check/reproduce.ts): the characters left bare
// are literal in a POSIX shell and in bash (a comma too: bash expands it only inside braces, and
// braces are quoted). Pure.

/** Single-quote for a POSIX shell (bash's probe command lines, a person's shell). */
export function q(text: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
