// The bash lines askCommand builds for a few-tries request, pinned byte for byte: a probe runs
// exactly these, so a change to how they are built (not to what they do) must leave them as they
// are. Their behaviour is tested where they run for real (client.test.ts).
import { describe, expect, test } from 'vitest';
import { askCommand, type Ask } from '../../../helpers/probes/client.ts';

const tcp: Ask = { host: '10.244.2.7', port: 8080, protocol: 'tcp', family: 'ipv4', answer: { kind: 'hostname', expected: ['b'] }, path: '/hostname', timeoutS: 2, tries: 3 };
const udp: Ask = { host: 'fd00:244::5', port: 8081, protocol: 'udp', family: 'ipv6', answer: { kind: 'clientip', expected: 'x', client: 'y' }, anySource: true, timeoutS: 2, tries: 3 };

const PINNED = {
  tcp: {
    none: '[[ $KNCS ]] || exec {KNCS}<> <(:); for i in {1..3}; do s=${EPOCHREALTIME/./}; o=$({ exec 3<>/dev/tcp/10.244.2.7/8080 || exit 7; printf \'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n\' >&3 || exit 55; IFS= read -r -d \'\' -t 2 a <&3; r=$?; printf %s "$a"; ((r > 128)) && exit 28; exit 0; } 2>&1 & p=$!; exec 2>/dev/null; { read -t 2 -u $KNCS; kill -9 $p; } >/dev/null 2>&1 & w=$!; wait $p; r=$?; kill $w; exit $r); r=$?; c=000; if [[ $o == HTTP/* ]]; then c=${o:9:3}; o=${o#*$\'\\r\\n\\r\\n\'}; o=${o%"${o##*[! ]}"}; else o=${o##*: }; fi; o="$o"$\'\\n\'"KNCH $c $r $((${EPOCHREALTIME/./} - s)) "; printf \'%s\\n\' "$o"; done',
    all: "[[ $KNCS ]] || exec {KNCS}<> <(:); for i in {1..3}; do { s=${EPOCHREALTIME/./}; o=$({ exec 3<>/dev/tcp/10.244.2.7/8080 || exit 7; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 || exit 55; IFS= read -r -d '' -t 2 a <&3; r=$?; printf %s \"$a\"; ((r > 128)) && exit 28; exit 0; } 2>&1 & p=$!; exec 2>/dev/null; { read -t 2 -u $KNCS; kill -9 $p; } >/dev/null 2>&1 & w=$!; wait $p; r=$?; kill $w; exit $r); r=$?; c=000; if [[ $o == HTTP/* ]]; then c=${o:9:3}; o=${o#*$'\\r\\n\\r\\n'}; o=${o%\"${o##*[! ]}\"}; else o=${o##*: }; fi; o=\"$o\"$'\\n'\"KNCH $c $r $((${EPOCHREALTIME/./} - s)) \"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; } & done; wait",
    'after-first':
      "[[ $KNCS ]] || exec {KNCS}<> <(:); { s=${EPOCHREALTIME/./}; o=$({ exec 3<>/dev/tcp/10.244.2.7/8080 || exit 7; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 || exit 55; IFS= read -r -d '' -t 2 a <&3; r=$?; printf %s \"$a\"; ((r > 128)) && exit 28; exit 0; } 2>&1 & p=$!; exec 2>/dev/null; { read -t 2 -u $KNCS; kill -9 $p; } >/dev/null 2>&1 & w=$!; wait $p; r=$?; kill $w; exit $r); r=$?; c=000; if [[ $o == HTTP/* ]]; then c=${o:9:3}; o=${o#*$'\\r\\n\\r\\n'}; o=${o%\"${o##*[! ]}\"}; else o=${o##*: }; fi; o=\"$o\"$'\\n'\"KNCH $c $r $((${EPOCHREALTIME/./} - s)) \"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; }; for i in {1..2}; do { s=${EPOCHREALTIME/./}; o=$({ exec 3<>/dev/tcp/10.244.2.7/8080 || exit 7; printf 'GET /hostname HTTP/1.0\\r\\nHost: 10.244.2.7:8080\\r\\n\\r\\n' >&3 || exit 55; IFS= read -r -d '' -t 2 a <&3; r=$?; printf %s \"$a\"; ((r > 128)) && exit 28; exit 0; } 2>&1 & p=$!; exec 2>/dev/null; { read -t 2 -u $KNCS; kill -9 $p; } >/dev/null 2>&1 & w=$!; wait $p; r=$?; kill $w; exit $r); r=$?; c=000; if [[ $o == HTTP/* ]]; then c=${o:9:3}; o=${o#*$'\\r\\n\\r\\n'}; o=${o%\"${o##*[! ]}\"}; else o=${o##*: }; fi; o=\"$o\"$'\\n'\"KNCH $c $r $((${EPOCHREALTIME/./} - s)) \"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; } & done; wait",
  },
  udp: {
    none: 'for i in {1..3}; do s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - \'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64\' 2>&1); r=$?; printf \'%s\\nKNCU %s %s\\n\' "$a" "$r" "$((${EPOCHREALTIME/./} - s))"; done',
    all: "for i in {1..3}; do { s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - 'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64' 2>&1); r=$?; o=\"$a\"$'\\n'\"KNCU $r $((${EPOCHREALTIME/./} - s))\"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; } & done; wait",
    'after-first':
      "{ s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - 'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64' 2>&1); r=$?; o=\"$a\"$'\\n'\"KNCU $r $((${EPOCHREALTIME/./} - s))\"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; }; for i in {1..2}; do { s=${EPOCHREALTIME/./}; a=$(printf %s clientip | socat -T 2 -t 2 - 'UDP6-DATAGRAM:[fd00:244::5]:8081,readbytes=64' 2>&1); r=$?; o=\"$a\"$'\\n'\"KNCU $r $((${EPOCHREALTIME/./} - s))\"; o=${o//\\\\/\\\\\\\\}; printf 'KNCT %s\\n' \"${o//$'\\n'/\\\\n}\"; } & done; wait",
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
