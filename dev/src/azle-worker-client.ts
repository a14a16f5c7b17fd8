/**
 * The parent side of azle-worker.ts: one worker process per project and azle, started on first use with azle's tsx
 * loader, fed one build at a time. It does not keep the parent alive while idle, exits with it, is replaced after a
 * crash, and is recycled every {@link BUILDS_PER_WORKER} builds (binaryen's heap only grows).
 *
 * @example
 * const { methodMeta, shortcut } = await buildInWorker({ root, azleDir, tsxLoader }, { name, config, candidPath });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Builds a worker serves before it is replaced by a fresh process. */
export const BUILDS_PER_WORKER = 10;

export interface WorkerTarget {
    /** Project root (the worker's cwd and AZLE_DFX_ROOT). */
    root: string;
    azleDir: string;
    /** file: URL of azle's tsx loader. */
    tsxLoader: string;
}

export interface WorkerBuildRequest {
    name: string;
    config: Record<string, unknown>;
    candidPath: string;
    previousMethodMeta?: unknown;
}

export interface WorkerBuildResult {
    methodMeta: unknown;
    /** Whether the first assembly pass was skipped (see azle-worker.ts). */
    shortcut: boolean;
}

interface Pending {
    resolve(result: WorkerBuildResult): void;
    reject(error: Error): void;
    onOutput?: (line: string) => void;
}

class AzleWorker {
    private readonly child: ChildProcess;
    private readonly pending = new Map<number, Pending>();
    private nextId = 1;
    private queue: Promise<unknown> = Promise.resolve();
    private stderrTail: string[] = [];
    builds = 0;
    exited = false;

    /** No build queued or running. */
    get idleNow(): boolean {
        return this.pending.size === 0 && this.queued === 0;
    }
    private queued = 0;

    constructor(target: WorkerTarget) {
        const ts = fileURLToPath(new URL('./azle-worker.ts', import.meta.url));
        const script = existsSync(ts) ? ts : fileURLToPath(new URL('./azle-worker.js', import.meta.url));
        this.child = spawn(process.execPath, ['--import', target.tsxLoader, script], {
            cwd: target.root,
            env: { ...process.env, AZLE_DFX_ROOT: target.root, IC_WEBSOCKET_AZLE_DIR: target.azleDir },
            stdio: ['ignore', 'pipe', 'pipe', 'ipc']
        });
        for (const stream of [this.child.stdout!, this.child.stderr!]) {
            stream.setEncoding('utf8');
            let partial = '';
            stream.on('data', (chunk: string) => {
                partial += chunk;
                const lines = partial.split('\n');
                partial = lines.pop()!;
                for (const line of lines) {
                    if (stream === this.child.stderr) this.stderrTail = [...this.stderrTail, line].slice(-20);
                    for (const { onOutput } of this.pending.values()) onOutput?.(line);
                }
            });
        }
        this.child.on('message', (message: { id?: number; ok?: boolean; error?: string } & Partial<WorkerBuildResult>) => {
            if (message.id === undefined) return; // the ready notice
            const waiting = this.pending.get(message.id);
            this.pending.delete(message.id);
            this.idle();
            if (!waiting) return;
            if (message.ok) waiting.resolve({ methodMeta: message.methodMeta, shortcut: message.shortcut ?? false });
            else waiting.reject(new Error(message.error));
        });
        this.child.once('exit', (code, signal) => {
            this.exited = true;
            const error = new Error(`the azle build process exited (${signal ?? `code ${code}`})${this.stderrTail.length ? `:\n${this.stderrTail.join('\n')}` : ''}`);
            for (const waiting of this.pending.values()) waiting.reject(error);
            this.pending.clear();
        });
        this.idle();
    }

    /** One build at a time: azle's steps read process.env. */
    build(request: WorkerBuildRequest, onOutput?: (line: string) => void, signal?: AbortSignal): Promise<WorkerBuildResult> {
        this.queued++;
        const run = this.queue.then(() => {
            this.queued--;
            return this.send(request, onOutput, signal);
        });
        this.queue = run.catch(() => undefined);
        return run;
    }

    stop(): void {
        if (!this.exited) this.child.kill('SIGKILL');
    }

    private send(request: WorkerBuildRequest, onOutput?: (line: string) => void, signal?: AbortSignal): Promise<WorkerBuildResult> {
        if (this.exited) return Promise.reject(new Error('the azle build process exited'));
        if (signal?.aborted) return Promise.reject(signal.reason);
        const id = this.nextId++;
        this.builds++;
        this.busy();
        return new Promise<WorkerBuildResult>((resolve, reject) => {
            const onAbort = () => {
                this.stop(); // the build cannot be interrupted otherwise; the next build starts a new worker
                reject(signal!.reason);
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            const settle = <T>(done: (value: T) => void) => (value: T) => {
                signal?.removeEventListener('abort', onAbort);
                done(value);
            };
            this.pending.set(id, { resolve: settle(resolve), reject: settle(reject), onOutput });
            this.child.send({ id, ...request });
        });
    }

    /** While a build runs the worker keeps this process alive; idle, it does not. */
    private busy(): void {
        this.child.ref();
        this.child.channel?.ref();
    }

    private idle(): void {
        if (this.pending.size > 0) return;
        this.child.unref();
        this.child.channel?.unref();
        (this.child.stdout as unknown as { unref?: () => void }).unref?.();
        (this.child.stderr as unknown as { unref?: () => void }).unref?.();
    }
}

const workers = new Map<string, AzleWorker>();

/** Runs one azle build in the worker of `target` (started, or replaced, as needed). */
export function buildInWorker(target: WorkerTarget, request: WorkerBuildRequest, onOutput?: (line: string) => void, signal?: AbortSignal): Promise<WorkerBuildResult> {
    const key = `${target.root}\n${target.azleDir}`;
    let worker = workers.get(key);
    if (worker && (worker.exited || (worker.builds >= BUILDS_PER_WORKER && worker.idleNow))) {
        worker.stop();
        worker = undefined;
    }
    if (!worker) {
        worker = new AzleWorker(target);
        workers.set(key, worker);
    }
    return worker.build(request, onOutput, signal);
}

/** Ends every worker process (they also end with this process). */
export function stopAzleWorkers(): void {
    for (const worker of workers.values()) worker.stop();
    workers.clear();
}
