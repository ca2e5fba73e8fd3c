// What the bare connects share (a check that asks only whether a port takes the traffic: the
// ports suite's rows, driver `connect`). The probe makes them with bash itself, a handshake on
// /dev/tcp or a datagram on /dev/udp and any answer (probes/connect-client.ts), through its exec
// stream (probes/stream.ts); no process is started for them (nc's start was ~2 ms of CPU, the
// 64 MB agnhost binary's ~35 ms).

/** The errno texts (bash's, Go's, socat's: strerror's words) of a packet the network or the sending kernel would not carry. */
export const UNREACHABLE_TEXT = /no route to host|host is unreachable|network is unreachable|operation not permitted|permission denied|invalid argument/i;

export const CONNECT_TIMEOUT_S = 3;
