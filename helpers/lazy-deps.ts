// Two libraries loaded on first use instead of at import. The suite workers import the helpers
// and the suite modules, and most of them never send an HTTP request themselves (their commands
// go through the CLI's thread, stream-broker.ts) nor parse YAML (the CLI deploys): loading
// undici costs a worker ~0.12 s of CPU and yaml ~0.04 s, four workers at once just as the checks
// start. Synchronous (both ship CommonJS for Node), so their callers stay as they were.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type * as Yaml from 'yaml';

const load = createRequire(import.meta.url);
let undiciModule: typeof Undici | undefined;
let yamlModule: typeof Yaml | undefined;

/** The undici module (http.ts and exec-socket.ts, the only modules that talk HTTP). */
export const undici = (): typeof Undici => (undiciModule ??= load('undici') as typeof Undici);
/** The yaml module (manifests, profiles, the network-policy report). */
export const yaml = (): typeof Yaml => (yamlModule ??= load('yaml') as typeof Yaml);
