// The probe driver's reproduction command (what a report prints for a person to paste) is the
// command the check itself sends to the probe, for a drive with every option set: the two are
// built from the drive by one function, and this keeps them from drifting apart.
import { describe, expect, test } from 'vitest';
import { askFromProbe, probeCommandLine, type ProbeDrive } from '../../../helpers/check/drivers/probe.ts';
import type { AnswerCheck, Protocol } from '../../../helpers/check/types.ts';
import type { CommandOut, ProbeStreams } from '../../../helpers/probes/stream.ts';

/** Streams that record the commands sent and answer each with nothing (the events do not matter here). */
function recording(): { streams: ProbeStreams; commands: string[] } {
  const commands: string[] = [];
  const run = (_pod: string, command: string): Promise<CommandOut> => {
    commands.push(command);
    return Promise.resolve({ exitCode: 0, output: '', ms: 0 });
  };
  return { streams: { run } as unknown as ProbeStreams, commands };
}

/** Every field of a probe drive set (Required: a new option fails to compile here until it is set). */
function everyOption(protocol: Protocol, concurrent: NonNullable<ProbeDrive['concurrent']>): Required<ProbeDrive> {
  return {
    control: { pod: 'probe-a-w1' },
    target: { host: protocol === 'tcp' ? '10.244.2.7' : 'fd00:244::5', port: 8080 },
    anySource: true,
    resolveOver: 'tcp',
    path: '/clientip',
    timeoutS: 2,
    concurrent,
  };
}

describe('probe driver: the reproduction is the check', () => {
  const answer: AnswerCheck = { kind: 'hostname', expected: ['probe-b-w2'] };
  for (const protocol of ['tcp', 'udp'] as const)
    for (const concurrent of ['all', 'after-first'] as const)
      test(`${protocol}, ${concurrent} at once: every option set, the same command line`, async () => {
        const drive = everyOption(protocol, concurrent);
        const check = { protocol, family: protocol === 'tcp' ? ('ipv4' as const) : ('ipv6' as const), answer };
        const { streams, commands } = recording();
        await askFromProbe(streams, drive, check, 4);
        expect(commands).toHaveLength(1);
        expect(probeCommandLine(drive, check, 4)).toBe(commands[0]);
      });

  test('the options reach the command line (pinned)', () => {
    const check = { family: 'ipv4' as const, answer };
    expect(probeCommandLine(everyOption('tcp', 'all'), { ...check, protocol: 'tcp' }, 2)).toBe(PINNED_TCP);
    expect(probeCommandLine(everyOption('udp', 'after-first'), { ...check, family: 'ipv6', protocol: 'udp' }, 2)).toBe(PINNED_UDP);
  });
});
const PINNED_TCP =
  "s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 2; i++)); do exec {f}< <(trap '' PIPE; { s=${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/10.244.2.7/8080; } 2>&1 && { r=55; printf 'GET /clientip HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; [[ $a == HTTP/* ]] && { c=${a:9:3}; a=${a#*$'\\r\\n\\r\\n'}; a=${a%\"${a##*[! ]}\"}; }; [[ $a ]] && printf '%s\\n' \"$a\"; printf 'KNCH %s %s %s \\n' $c $r $((${EPOCHREALTIME/./} - s)); } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d '' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf '\\nKNCH 000 28 2000000 \\n'; else b=${o%KNCH *}; b=${b%$'\\n'}; printf '%s\\nKNCH %s' \"${b##*$'\\n'}\" \"${o##*KNCH }\"; fi; done";
const PINNED_UDP =
  '{ s=${EPOCHREALTIME/./}; a=$(printf %s hostname | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8080,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; }; s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 1; i++)); do exec {f}< <(trap \'\' PIPE; { s=${EPOCHREALTIME/./}; a=$(printf %s hostname | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8080,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d \'\' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf \'\\nKNCU 0 2000000\\n\'; else printf %s "$o"; fi; done';
