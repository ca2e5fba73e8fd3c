// The process entry of the CLI (bin/kube-netconform.js imports its compiled form; `npm run dev`
// runs it from the sources through tsx): argv → main → exit code.
import { main } from './main.ts';

const code = await main(process.argv.slice(2));
// Exit explicitly: idle keep-alive sockets of the API clients must not hold the process open.
process.stdout.write('', () => process.exit(code));
