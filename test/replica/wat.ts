/**
 * Hand-written canisters for the replica suites: WAT compiled with wabt (a dev dependency), plus custom sections
 * (WAT has no syntax for them) and a nonce that makes a module's bytes, hence its compiled code, unique.
 */
import wabtInit from 'wabt';

const wabt = await wabtInit();

/** Compiles WAT; `memory64` enables 64-bit memories (the rest of wasm 2.0 is on by default). */
export function compileWat(text: string, options: { memory64?: boolean } = {}): Uint8Array {
    const module = wabt.parseWat('canister.wat', text, { memory64: options.memory64 ?? false, bulk_memory: true, multi_value: true });
    try {
        module.validate();
        return new Uint8Array(module.toBinary({}).buffer);
    } finally {
        module.destroy();
    }
}

/** `wasm` with a custom section `name` holding `content` appended. */
export function withCustomSection(wasm: Uint8Array, name: string, content: Uint8Array = new Uint8Array(0)): Uint8Array {
    const nameBytes = new TextEncoder().encode(name);
    const payload = [...leb(nameBytes.length), ...nameBytes, ...content];
    return Uint8Array.from([...wasm, 0, ...leb(payload.length), ...payload]);
}

/** `wasm` made unique (a fresh module for V8: nothing compiled or tiered up yet). */
export function freshCopy(wasm: Uint8Array): Uint8Array {
    return withCustomSection(wasm, 'test nonce', crypto.getRandomValues(new Uint8Array(16)));
}

function leb(value: number): number[] {
    const out: number[] = [];
    do {
        let byte = value & 0x7f;
        value >>>= 7;
        if (value) byte |= 0x80;
        out.push(byte);
    } while (value);
    return out;
}
