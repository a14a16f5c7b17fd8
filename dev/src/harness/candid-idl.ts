/**
 * The IDL factory of a canister from its Candid text, at run time: the same `<name>.did.js` that the declarations
 * hold (compiled by `compileCandid`), evaluated. It has no imports: the factory receives `IDL` as its argument.
 *
 * @example
 * const idlFactory = await idlFactoryFromCandid('service : { greet : (text) -> (text) query }');
 * Actor.createActor(idlFactory, { agent, canisterId });
 */
import type { IDL } from '@dfinity/candid';
import { compileCandid } from '../declarations.ts';

export async function idlFactoryFromCandid(candid: string): Promise<IDL.InterfaceFactory> {
    const { idlJs } = await compileCandid('canister', candid);
    // `export const idlFactory = …; export const init = …;` → the two functions.
    const body = idlJs.replace(/^export const /gm, 'const ');
    const { idlFactory } = new Function(`${body}\nreturn { idlFactory, init };`)() as { idlFactory: IDL.InterfaceFactory };
    return idlFactory;
}
