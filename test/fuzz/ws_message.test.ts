// Seeded fuzzing of ws_message: see fuzz-endpoint.ts (FUZZ_CASES, FUZZ_SEED).
import { fuzzEndpoint } from './fuzz-endpoint.ts';

fuzzEndpoint('ws_message');
