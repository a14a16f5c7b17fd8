/**
 * Watches a set of source files (the inputs of canister builds) and reports which changed, in batches: one
 * `fs.watch` per folder holding a watched file (not per file: editors that save by writing a new file and renaming it
 * over the old one keep being seen), events debounced by `debounceMs` so a save touching several files is one batch.
 *
 * @example
 * const watcher = new SourceWatcher((changed) => console.log('changed:', changed), 100);
 * watcher.watch(['/project/src/index.ts', '/project/src/lib.ts']);
 * watcher.close();
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';

export class SourceWatcher {
    private readonly watchers = new Map<string, FSWatcher>();
    private files = new Set<string>();
    private pending = new Set<string>();
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly onChange: (files: string[]) => void,
        private readonly debounceMs = 100
    ) {}

    /** Replaces the watched files (absolute paths). */
    watch(files: Iterable<string>): void {
        this.files = new Set(files);
        const dirs = new Set([...this.files].map((file) => dirname(file)));
        for (const [dir, watcher] of this.watchers) {
            if (!dirs.has(dir)) {
                watcher.close();
                this.watchers.delete(dir);
            }
        }
        for (const dir of dirs) {
            if (this.watchers.has(dir)) continue;
            try {
                const watcher = watch(dir, { persistent: false }, (_event, name) => name && this.seen(join(dir, name.toString())));
                watcher.on('error', () => {
                    watcher.close();
                    this.watchers.delete(dir);
                });
                this.watchers.set(dir, watcher);
            } catch {
                // a folder that vanished: its files come back with the next build's inputs
            }
        }
    }

    close(): void {
        clearTimeout(this.timer);
        for (const watcher of this.watchers.values()) watcher.close();
        this.watchers.clear();
    }

    private seen(file: string): void {
        if (!this.files.has(file)) return;
        this.pending.add(file);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
            const changed = [...this.pending];
            this.pending.clear();
            this.onChange(changed);
        }, this.debounceMs);
    }
}
