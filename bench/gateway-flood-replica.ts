/**
 * Child process of bench/gateway-flood.ts: the embedded replica with two chat canisters behind its IC HTTP interface,
 * in a process of its own so that neither its work nor its memory is counted for the gateway or the clients.
 * Speaks over the IPC channel:
 *   → { url, rootKeyHex, canisterIds: [string, string] }   once ready
 *   ← { stop: canisterId } / { start: canisterId }          → { done: true }
 */
import { Principal } from '@dfinity/principal';
import { serveHttp } from '../replica/http/index.ts';
import { buildCanister, Replica } from '../replica/index.ts';

const wasm = await buildCanister('chat');
const replica = await Replica.create();
const canisterIds = [await replica.installCanister({ wasm }), await replica.installCanister({ wasm })];
const http = await serveHttp(replica, { port: 0, autoProgress: true });

process.on('message', async (request: { stop?: string; start?: string }) => {
    if (request.stop) await replica.stopCanister(Principal.fromText(request.stop));
    if (request.start) await replica.startCanister(Principal.fromText(request.start));
    process.send!({ done: true });
});
process.on('disconnect', () => void http.close().finally(() => process.exit(0)));
process.send!({ url: http.url, rootKeyHex: Buffer.from(replica.rootKey).toString('hex'), canisterIds: canisterIds.map((id) => id.toText()) });
