// Certificates: byte-exact against the reference vector, and accepted by unmodified @dfinity/agent 3.x and 2.x
// with the replica's root key (and refused under another key).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Certificate, lookupResultToBuffer } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { beforeAll, describe, expect, it } from 'vitest';
import { canisterCertificateTree, leb128, lookupPath, reconstruct, Replica, RootKey, treeFromPaths } from '../../replica/index.ts';
import { callQuery, callUpdate, replicaWithCore } from './support.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const Certified = IDL.Record({ certificate: IDL.Opt(IDL.Vec(IDL.Nat8)), replicated: IDL.Bool, time: IDL.Nat64 });
type Certified = { certificate: [] | [Uint8Array]; replicated: boolean; time: bigint };

describe('certificate bytes', () => {
    it('match the reference vector (secret 0x11…, canister bkyz2-fmaaa-aaaaa-qaaaq-cai)', () => {
        const key = RootKey.fromSecret(new Uint8Array(32).fill(0x11));
        const data = new Uint8Array(32);
        data[31] = 1;
        const tree = canisterCertificateTree(Principal.fromText('bkyz2-fmaaa-aaaaa-qaaaq-cai').toUint8Array(), data, 1_700_000_000_000_000_000n);
        expect(hex(reconstruct(tree))).toBe('5210646a86f143a777ee1ae61357e3d8c648e033350cbf64d0b9434fe2e09783');
        expect(hex(key.publicKey)).toBe(
            'a55ee687dbc4afab98c79deea7583de9742d19d36d33fcfba05f39adee8de27b6f52c2e4ce2a9c60f20bd480bb73a560' +
                '125c0b088433c8fcee5f722f56f40d76873e4f25a1e69ae001b3ae6418e47a7bbb47228cb64fe55ced244976b98d32fb'
        );
        expect(hex(key.sign(tree))).toBe(
            'd9d9f7a26474726565830183024863616e697374657283024a8000000000100001010183024e6365727469666965645f6461' +
                '746182035820000000000000000000000000000000000000000000000000000000000000000183024474696d658203498080' +
                'a8b1e39fe7cb17697369676e61747572655830b70eff8bdc57a726571bbb4b25d9eba0c51fc21f0e87960e35c65bde49aac4' +
                '3931d7fdc8134156a91f5bd54cc54d390a'
        );
        expect(key.der.length).toBe(133);
    });

    it('seeded replicas share a root key; different seeds do not', async () => {
        const [a, b, c] = await Promise.all([Replica.create({ seed: 's' }), Replica.create({ seed: 's' }), Replica.create({ seed: 't' })]);
        expect(hex(a.rootKey)).toBe(hex(b.rootKey));
        expect(hex(a.rootKey)).not.toBe(hex(c.rootKey));
    });

    it('treeFromPaths builds sorted trees that lookupPath reads', () => {
        const tree = treeFromPaths([
            { path: ['time'], value: leb128(5n) },
            { path: ['canister', Uint8Array.of(2), 'certified_data'], value: Uint8Array.of(2) },
            { path: ['canister', Uint8Array.of(1), 'certified_data'], value: Uint8Array.of(1) }
        ]);
        expect(lookupPath(tree, ['canister', Uint8Array.of(1), 'certified_data'])).toEqual({ status: 'found', value: Uint8Array.of(1) });
        expect(lookupPath(tree, ['time'])).toEqual({ status: 'found', value: Uint8Array.of(5) });
        expect(lookupPath(tree, ['canister', Uint8Array.of(3)]).status).toBe('absent');
        expect(lookupPath(tree, ['canister']).status).toBe('error');
    });
});

describe('data certificates', () => {
    let replica: Replica;
    let id: Principal;
    const data = Uint8Array.from({ length: 32 }, (_, i) => i);

    beforeAll(async () => {
        ({ replica, id } = await replicaWithCore());
        await callUpdate(replica, id, 'certify', [IDL.Vec(IDL.Nat8)], [data]);
    });

    const queryCertificate = async () => {
        const result = await callQuery<Certified>(replica, id, 'certificate', [], [], Certified);
        expect(result.replicated).toBe(false);
        expect(result.certificate).toHaveLength(1);
        return result.certificate[0]!;
    };

    it('are present only in queries', async () => {
        const inUpdate = await callUpdate<Certified>(replica, id, 'certificateInUpdate', [], [], Certified);
        expect(inUpdate).toMatchObject({ certificate: [], replicated: true });
        await queryCertificate();
    });

    it('are accepted by @dfinity/agent 3.x with the root key, with the certified data and time', async () => {
        const certificate = await Certificate.create({ certificate: await queryCertificate(), rootKey: replica.rootKey, canisterId: id });
        expect(lookupResultToBuffer(certificate.lookup_path(['canister', id.toUint8Array(), 'certified_data']))).toEqual(data);
        expect(lookupResultToBuffer(certificate.lookup_path(['time']))).toEqual(leb128(replica.certifiedTimeNs()));
    });

    it('are refused by @dfinity/agent under another root key', async () => {
        const other = await Replica.create({ seed: 'another key' });
        await expect(Certificate.create({ certificate: await queryCertificate(), rootKey: other.rootKey, canisterId: id })).rejects.toThrow(/signature/i);
    });

    const e2e = fileURLToPath(new URL('../e2e/package.json', import.meta.url));
    const agent2Installed = existsSync(fileURLToPath(new URL('../e2e/node_modules/@dfinity/agent/package.json', import.meta.url)));
    it.skipIf(!agent2Installed)('are accepted by @dfinity/agent 2.x (what ic-websocket-js uses)', async () => {
        const require2 = createRequire(e2e);
        const agent2 = require2('@dfinity/agent');
        const principal2 = require2('@dfinity/principal');
        expect(require2('@dfinity/agent/package.json').version).toMatch(/^2\./);
        const certificate = await agent2.Certificate.create({
            certificate: await queryCertificate(),
            rootKey: replica.rootKey,
            canisterId: principal2.Principal.fromText(id.toText())
        });
        expect(new Uint8Array(agent2.lookupResultToBuffer(certificate.lookup(['canister', id.toUint8Array(), 'certified_data'])))).toEqual(data);
    });

    it('follow the certified data', async () => {
        const before = await queryCertificate();
        await callUpdate(replica, id, 'certify', [IDL.Vec(IDL.Nat8)], [Uint8Array.of(42)]);
        const after = await Certificate.create({ certificate: await queryCertificate(), rootKey: replica.rootKey, canisterId: id });
        expect(lookupResultToBuffer(after.lookup_path(['canister', id.toUint8Array(), 'certified_data']))).toEqual(Uint8Array.of(42));
        expect(hex(before)).not.toBe(hex(await queryCertificate()));
    });
});
