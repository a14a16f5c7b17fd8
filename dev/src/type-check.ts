/**
 * The project's own TypeScript check beside the builds: azle bundles with esbuild, which strips types without
 * checking them, so a canister with type errors builds and runs. `ic-websocket dev` therefore runs the project's
 * `tsc --noEmit` (its own typescript, its own tsconfig.json; nothing when it has neither) after the first deploy and
 * after each reload, and reports the errors as warnings: the canister runs anyway, and a reload is never held back
 * by a check. A change cancels a running check (the next one starts when the reload is done), `close()` kills it.
 *
 * Cost: a full `tsc --noEmit` of the project (seconds, on one core), only while no build runs.
 *
 * @example
 * const checker = TypeChecker.forProject(root, (report) => console.error(report.summary));
 * checker?.run();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The outcome of one check. */
export interface TypeCheckReport {
    /** Number of `error TS…` diagnostics. */
    errors: number;
    /** tsc's diagnostics, one per line (`file(line,col): error TS1234: message`), at most {@link MAX_LINES}. */
    lines: string[];
    /** One line for a log: how many errors, or that there are none. */
    summary: string;
}

/** Diagnostics shown per check (the rest is counted). */
export const MAX_LINES = 30;
/** A check running longer than this is killed (a hung tsc must not linger). */
const CHECK_TIMEOUT_MS = 5 * 60_000;

export class TypeChecker {
    #child: ChildProcess | undefined;
    #closed = false;

    private constructor(
        private readonly root: string,
        private readonly tsc: string,
        private readonly onReport: (report: TypeCheckReport) => void
    ) {}

    /** A checker for the project at `root`, or undefined when it has no `tsconfig.json` or no `typescript` installed. */
    static forProject(root: string, onReport: (report: TypeCheckReport) => void): TypeChecker | undefined {
        if (!existsSync(join(root, 'tsconfig.json'))) return undefined;
        let tsc: string;
        try {
            tsc = join(dirname(createRequire(join(root, 'package.json')).resolve('typescript/package.json')), 'bin', 'tsc');
        } catch {
            return undefined;
        }
        return existsSync(tsc) ? new TypeChecker(root, tsc, onReport) : undefined;
    }

    /** Starts a check (cancelling a running one); its report arrives through `onReport`. */
    run(): void {
        if (this.#closed) return;
        this.cancel();
        const child = spawn(process.execPath, [this.tsc, '--noEmit', '--pretty', 'false', '-p', this.root], { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] });
        this.#child = child;
        let output = '';
        child.stdout!.on('data', (chunk) => (output += chunk));
        child.stderr!.on('data', (chunk) => (output += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), CHECK_TIMEOUT_MS);
        timer.unref();
        child.once('error', () => clearTimeout(timer));
        child.once('exit', (code, signal) => {
            clearTimeout(timer);
            if (this.#child === child) this.#child = undefined;
            if (signal !== null || this.#closed) return; // cancelled, timed out or closed: no report
            this.onReport(report(output, code ?? 0));
        });
    }

    /** Stops a running check (no report for it). */
    cancel(): void {
        this.#child?.kill('SIGKILL');
        this.#child = undefined;
    }

    close(): void {
        this.#closed = true;
        this.cancel();
    }
}

/** Reads tsc's `--pretty false` output. */
export function report(output: string, exitCode: number): TypeCheckReport {
    const diagnostics = output.split('\n').filter((line) => line.trim() !== '');
    const errors = diagnostics.filter((line) => /\berror TS\d+:/.test(line)).length;
    const lines = diagnostics.slice(0, MAX_LINES);
    if (diagnostics.length > MAX_LINES) lines.push(`… ${diagnostics.length - MAX_LINES} more lines (run npx tsc --noEmit)`);
    if (exitCode === 0) return { errors: 0, lines: [], summary: 'types checked (tsc --noEmit): no errors' };
    const count = errors > 0 ? `${errors} type error${errors === 1 ? '' : 's'}` : `tsc exited with ${exitCode}`;
    return { errors, lines, summary: `warning: ${count} (tsc --noEmit; esbuild does not check types, so the canister runs anyway):` };
}
