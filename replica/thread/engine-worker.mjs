// Entry point of the replica's engine thread (see worker-link.ts). Plain JavaScript, so Node can start it without a
// TypeScript loader; it registers tsx for the engine's TypeScript sources, then serves requests.
import { parentPort, workerData } from 'node:worker_threads';

try {
    const { register } = await import('tsx/esm/api');
    register();
    const { serveEngines } = await import('./engine-host.ts');
    serveEngines(workerData.port, workerData.signal);
    parentPort.postMessage({ ready: true });
} catch (error) {
    const hint = error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('tsx') ? ' (the replica runs from TypeScript sources: install tsx)' : '';
    parentPort.postMessage({ error: `${error?.stack ?? error}${hint}` });
}
