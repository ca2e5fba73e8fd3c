#!/usr/bin/env node
// kube-netconform CLI entry: loads the TypeScript sources through tsx and runs the command.
// The client library is plain JavaScript: imported natively first, it is not passed through
// tsx's loader, which costs ~35 MB of resident memory (measured by `npm run bench`).
import '@kubernetes/client-node';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../helpers/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: idle keep-alive sockets of the API clients must not hold the process open.
process.stdout.write('', () => process.exit(code));
