// Seeded fuzzing of ws_open: see fuzz-endpoint.ts (FUZZ_CASES, FUZZ_SEED).
import { fuzzEndpoint } from './fuzz-endpoint.ts';

fuzzEndpoint('ws_open');
