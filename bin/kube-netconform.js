#!/usr/bin/env node
// kube-netconform CLI entry: loads the TypeScript sources through tsx and runs the command.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../helpers/cli/main.ts', import.meta.url);
const code = await main(process.argv.slice(2));
// Exit explicitly: idle keep-alive sockets of the API clients must not hold the process open.
process.stdout.write('', () => process.exit(code));
