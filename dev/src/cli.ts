/**
 * The `ic-websocket` command:
 *
 *   ic-websocket dev [canister ...] [options]   run the project locally with live reload (see dev-command.ts)
 *   ic-websocket gateway [options]              the IC WebSocket gateway (gateway/bin/gateway.ts)
 *   ic-websocket replica [options]              the embedded replica as a server (replica/bin/local-replica.ts)
 */
import { readFileSync } from 'node:fs';

const USAGE = `usage: ic-websocket <command> [options]

commands:
  dev [canister ...]   build the project's Azle canisters (dfx.json), run them in a local replica with a gateway,
                       and upgrade them in place when their sources change (ic-websocket dev --help)
  gateway              an IC WebSocket gateway for any IC HTTP endpoint (ic-websocket gateway --help)
  replica              the embedded replica: IC HTTP interface and/or PocketIC REST API (ic-websocket replica --help)

  --version            print the version`;

function version(): string {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
    case 'dev': {
        const { runDevCommand } = await import('./dev-command.ts');
        await runDevCommand(rest);
        break;
    }
    case 'gateway':
        // The gateway's own command line reads process.argv: hand it the arguments after the subcommand.
        process.argv = [process.argv[0]!, 'ic-websocket gateway', ...rest];
        await import('../../gateway/bin/gateway.ts');
        break;
    case 'replica':
        process.argv = [process.argv[0]!, 'ic-websocket replica', ...rest];
        await import('../../replica/bin/local-replica.ts');
        break;
    case '--version':
    case '-v':
        process.stdout.write(`${version()}\n`);
        break;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
        process.stdout.write(`${USAGE}\n`);
        break;
    default:
        process.stderr.write(`ic-websocket: unknown command "${command}"\n\n${USAGE}\n`);
        process.exitCode = 2;
}
