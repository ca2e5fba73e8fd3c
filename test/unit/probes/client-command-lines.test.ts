// The bash lines askCommand builds for a few-tries request, pinned byte for byte: a probe runs
// exactly these, so a change to how they are built (not to what they do) must leave them as they
// are. Their behaviour is tested where they run for real (client.test.ts).
import { describe, expect, test } from 'vitest';
import { askCommand, type Ask } from '../../../helpers/probes/client.ts';

const tcp: Ask = { host: '10.244.2.7', port: 8080, protocol: 'tcp', family: 'ipv4', answer: { kind: 'hostname', expected: ['b'] }, path: '/hostname', timeoutS: 2, tries: 3 };
const udp: Ask = { host: 'fd00:244::5', port: 8081, protocol: 'udp', family: 'ipv6', answer: { kind: 'clientip', expected: 'x', client: 'y' }, anySource: true, timeoutS: 2, tries: 3 };

const PINNED = {
  tcp: {
    none: "n=0; while ((n < 3)); do exec {f}< <(trap '' PIPE; for ((i = n; i < 3; i++)); do s=${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/10.244.2.7/8080; } 2>&1 && { r=55; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; [[ $a == HTTP/* ]] && { c=${a:9:3}; a=${a#*$'\\r\\n\\r\\n'}; a=${a%\"${a##*[! ]}\"}; }; [[ $a ]] && printf '%s\\n' \"$a\"; printf 'KNCH %s %s %s \\n' $c $r $((${EPOCHREALTIME/./} - s)); done 2>/dev/null); p=$!; e=; while :; do IFS= read -r -t 2 l <&$f; k=$?; ((k)) && break; if [[ $l == 'KNCH '* ]]; then printf '%s\\n%s\\n' \"$e\" \"$l\"; e=; ((++n)); else e=$l; fi; done; kill $p 2>/dev/null; exec {f}<&-; if ((n < 3)); then ((k > 128)) && printf '\\nKNCH 000 28 2000000 \\n' || printf '%s\\nKNCH 000 99 0 \\n' \"$e\"; ((++n)); fi; done",
    all: "s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 3; i++)); do exec {f}< <(trap '' PIPE; { s=${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/10.244.2.7/8080; } 2>&1 && { r=55; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; [[ $a == HTTP/* ]] && { c=${a:9:3}; a=${a#*$'\\r\\n\\r\\n'}; a=${a%\"${a##*[! ]}\"}; }; [[ $a ]] && printf '%s\\n' \"$a\"; printf 'KNCH %s %s %s \\n' $c $r $((${EPOCHREALTIME/./} - s)); } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d '' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf '\\nKNCH 000 28 2000000 \\n'; else b=${o%KNCH *}; b=${b%$'\\n'}; printf '%s\\nKNCH %s' \"${b##*$'\\n'}\" \"${o##*KNCH }\"; fi; done",
    'after-first':
      "n=0; while ((n < 1)); do exec {f}< <(trap '' PIPE; for ((i = n; i < 1; i++)); do s=${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/10.244.2.7/8080; } 2>&1 && { r=55; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; [[ $a == HTTP/* ]] && { c=${a:9:3}; a=${a#*$'\\r\\n\\r\\n'}; a=${a%\"${a##*[! ]}\"}; }; [[ $a ]] && printf '%s\\n' \"$a\"; printf 'KNCH %s %s %s \\n' $c $r $((${EPOCHREALTIME/./} - s)); done 2>/dev/null); p=$!; e=; while :; do IFS= read -r -t 2 l <&$f; k=$?; ((k)) && break; if [[ $l == 'KNCH '* ]]; then printf '%s\\n%s\\n' \"$e\" \"$l\"; e=; ((++n)); else e=$l; fi; done; kill $p 2>/dev/null; exec {f}<&-; if ((n < 1)); then ((k > 128)) && printf '\\nKNCH 000 28 2000000 \\n' || printf '%s\\nKNCH 000 99 0 \\n' \"$e\"; ((++n)); fi; done; s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 2; i++)); do exec {f}< <(trap '' PIPE; { s=${EPOCHREALTIME/./}; a=; r=7; { exec 3<>/dev/tcp/10.244.2.7/8080; } 2>&1 && { r=55; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 && { r=0; IFS= read -r -d '' a <&3; }; exec 3<&-; } 2>&1; c=000; [[ $a == HTTP/* ]] && { c=${a:9:3}; a=${a#*$'\\r\\n\\r\\n'}; a=${a%\"${a##*[! ]}\"}; }; [[ $a ]] && printf '%s\\n' \"$a\"; printf 'KNCH %s %s %s \\n' $c $r $((${EPOCHREALTIME/./} - s)); } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d '' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf '\\nKNCH 000 28 2000000 \\n'; else b=${o%KNCH *}; b=${b%$'\\n'}; printf '%s\\nKNCH %s' \"${b##*$'\\n'}\" \"${o##*KNCH }\"; fi; done",
  },
  udp: {
    none: 'for i in {1..3}; do s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; done',
    all: "s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 3; i++)); do exec {f}< <(trap '' PIPE; { s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - 'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64' 2>&1); r=$?; printf '%s\\nKNCU %s %s\\n' \"$a\" \"$r\" \"$((${EPOCHREALTIME/./} - s))\"; } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d '' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf '\\nKNCU 0 2000000\\n'; else printf %s \"$o\"; fi; done",
    'after-first':
      '{ s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; }; s0=${EPOCHREALTIME/./}; fs=(); ps=(); for ((i = 0; i < 2; i++)); do exec {f}< <(trap \'\' PIPE; { s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; } 2>/dev/null); fs+=($f); ps+=($!); done; for i in ${!fs[@]}; do f=${fs[i]}; ((d = 2000000 - ${EPOCHREALTIME/./} + s0)); ((d < 1000)) && d=1000; d=00000$d; o=; IFS= read -r -d \'\' -t ${d:0:-6}.${d: -6} o <&$f; k=$?; kill ${ps[i]} 2>/dev/null; exec {f}<&-; if ((k > 128)); then printf \'\\nKNCU 0 2000000\\n\'; else printf %s "$o"; fi; done',
  },
} as const;

describe('askCommand: the lines a probe runs', () => {
  for (const [protocol, ask] of [
    ['tcp', tcp],
    ['udp', udp],
  ] as const) {
    test(`${protocol}: one after another, all at once, and the first alone then the rest at once`, () => {
      expect(askCommand(ask)).toBe(PINNED[protocol].none);
      expect(askCommand({ ...ask, concurrent: 'all' })).toBe(PINNED[protocol].all);
      expect(askCommand({ ...ask, concurrent: 'after-first' })).toBe(PINNED[protocol]['after-first']);
      // One try is one try, whatever the order asked.
      expect(askCommand({ ...ask, tries: 1, concurrent: 'all' })).toBe(askCommand({ ...ask, tries: 1 }));
    });
  }
});
