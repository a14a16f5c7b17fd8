import { defineConfig } from 'vitest/config';

// Integration suites build real canister wasm with azle (cached by source hash) and run it in the replica,
// so they get generous timeouts; CI machines have 2 cores, hence at most 2 workers.
export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // Builds every dfx.json canister once (cached by source hash) before any suite runs; then starts one
        // PocketIC-compatible server for the run (a real PocketIC when POCKET_IC_BIN is set, else ours).
        globalSetup: ['test/setup/build-canisters.ts', 'test/setup/pic-server.ts'],
        testTimeout: 120_000,
        hookTimeout: 300_000,
        pool: 'forks',
        maxWorkers: 2,
        reporters: ['default']
    }
});
