// A name target's lookup, made in the source probe before the request to the address: dig
// through the probe's resolver configuration (search path), over UDP or TCP, and its output read
// as the addresses or the lookup's failure (a `dns` wire event). Pure; unit-tested, and run for
// real against a loopback DNS server.
//   prints:  the lines of dig's output DIG_LINES matches (the stream loop keeps 900 bytes of a
//            command's output: without dig's other comment lines, more of a long answer fits)
//   exit:    dig's (127: no dig in the image, and bash's "command not found" is the line printed)
import { UNREACHABLE_TEXT } from '../check/drivers/connect.ts';
import type { DnsResult, IpFamily, Protocol, WireEvent } from '../check/types.ts';
import { q } from './quote.ts';
import type { CommandOut } from './stream.ts';

/** The lines lookupResult reads (an extended regular expression): the status, the A and AAAA records, and any error of dig's or bash's. */
export const DIG_LINES = 'status:|[[:space:]]IN[[:space:]]+(A|AAAA)[[:space:]]|error|fail|timed out|no servers|reach|refused|permitted|denied|not found';

/**
 * A name target: dig through the probe's resolver configuration (search path), over UDP or TCP.
 * bash keeps the lines itself, where grep was one more process: dig's output is read whole from a
 * process substitution (one fork, dig exec'd in it; `$(dig … 2>&1)` forks twice, the redirection
 * costing bash its exec of the last command), and split at its newlines by parameter expansion
 * (a newline added, so the last line ends in one too; no here-string: the probe's root filesystem
 * is read-only). dig's status comes back last with `wait $!`: after a command substitution only
 * another fork or an `exit` could give it back (an exit ends a reproduction's bash before its
 * request).
 */
export function lookupCommand(name: string, options: { family: IpFamily; over: Protocol }): string {
  const type = options.family === 'ipv6' ? 'AAAA' : 'A';
  const dig = `dig +search +time=1 +tries=2 ${options.over === 'tcp' ? '+tcp' : '+notcp'} +noall +comments +answer ${q(name)} ${type}`;
  return `IFS= read -r -d '' o < <(${dig} 2>&1); k=${q(DIG_LINES)}; o+=$'\\n'; while [[ $o ]]; do l=\${o%%$'\\n'*}; o=\${o#*$'\\n'}; [[ $l =~ $k ]] && printf '%s\\n' "$l"; done; wait $!`;
}

/** dig's output → the addresses, or the lookup's failure as a `dns` event (rcode as the suite reports it). */
export function lookupResult(name: string, family: IpFamily, out: CommandOut): { addresses: string[] } | { event: WireEvent } {
  const text = out.output;
  const status = /status: ([A-Z]+)/.exec(text)?.[1];
  const type = family === 'ipv6' ? 'AAAA' : 'A';
  const addresses = [...text.matchAll(new RegExp(`\\sIN\\s+${type}\\s+(\\S+)`, 'g'))].map((m) => m[1]!);
  const fail = (rcode: DnsResult, why: string): { event: WireEvent } => ({ event: { kind: 'dns', rcode, name, text: why } });
  if (status === 'NOERROR' && addresses.length) return { addresses };
  if (status === 'NOERROR') return fail('NXDOMAIN', `no ${type} record (NOERROR, empty answer)`);
  if (status === 'NXDOMAIN') return fail('NXDOMAIN', 'no such host (NXDOMAIN)');
  if (status) return fail('SERVFAIL', `the DNS server answered ${status}`);
  const line = text.split('\n').find((l) => l.startsWith(';;')) ?? text.trim();
  if (/connection refused/i.test(line)) return fail('REFUSED', line);
  // dig says "host unreachable" / "network unreachable" where the kernel's errno texts say "is unreachable".
  if (UNREACHABLE_TEXT.test(line) || /unreachable/i.test(line)) return fail('UNREACHABLE', line);
  if (/timed out|no servers could be reached/i.test(line)) return fail('TIMEOUT', line);
  if (out.exitCode === 127 || /not found/.test(line)) return { event: { kind: 'empty', text: `the probe image has no dig: ${line.slice(0, 200)}` } };
  return fail('OTHER', line.slice(0, 200) || `dig exited ${out.exitCode} with no output`);
}
