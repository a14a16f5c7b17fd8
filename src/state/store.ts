/**
 * Typed access to the maps of clients and gateway registrations. Everything here survives upgrades when the maps
 * are StableBTreeMaps. Queued messages and their certification are the certified queue's (`../queue/`).
 *
 * | map        | key                                   | value                       |
 * |------------|---------------------------------------|-----------------------------|
 * | clients    | client principal (len-prefixed) ‖ nonce | {@link ClientRecord}      |
 * | principals | client principal (len-prefixed)       | nonce of its current key    |
 * | principals | `FF`                                  | the timers' {@link Schedule} |
 * | gateways   | gateway principal (len-prefixed)      | {@link GatewayRecord}       |
 */
import type { Principal } from '@dfinity/principal';
import type { ClientKey } from '../types';
import type { KvMap } from './kv';
import { readU64, u64ToBytes } from '../bytes';
import { clientKeyBytes, decodePrincipalAndU64Key, decodePrincipalKey, isStorablePrincipal, principalKeyBytes } from '../keys';
import { decodeClientRecord, decodeGatewayRecord, encodeClientRecord, encodeGatewayRecord, type ClientRecord, type GatewayRecord } from './records';
import { scanKeys, scanPage, type ScanCursor } from './scan';
import { decodeSchedule, encodeSchedule, SCHEDULE_KEY, type Schedule } from './schedule';

/** The maps of the store. */
export type WsMaps = { clients: KvMap; principals: KvMap; gateways: KvMap };

export class WsStore {
    private lastClientKey: { principal: Principal; nonce: bigint; bytes: Uint8Array } | undefined;

    constructor(private readonly maps: WsMaps) {}

    getClient(key: ClientKey): ClientRecord | undefined {
        if (!isStorablePrincipal(key.client_principal)) return undefined; // never stored (over 29 bytes)
        const bytes = this.maps.clients.get(this.clientMapKey(key));
        return bytes === undefined ? undefined : decodeClientRecord(bytes);
    }

    putClient(key: ClientKey, record: ClientRecord): void {
        this.maps.clients.insert(this.clientMapKey(key), encodeClientRecord(record));
    }

    /**
     * The clients-map key of `key` (also what pending broadcasts record for newcomers); queueing a message reads and
     * writes the same client, so the last one is kept.
     */
    clientMapKey(key: ClientKey): Uint8Array {
        const last = this.lastClientKey;
        if (last !== undefined && last.principal === key.client_principal && last.nonce === key.client_nonce) return last.bytes;
        const bytes = clientKeyBytes(key);
        this.lastClientKey = { principal: key.client_principal, nonce: key.client_nonce, bytes };
        return bytes;
    }

    removeClient(key: ClientKey): void {
        this.maps.clients.remove(clientKeyBytes(key));
    }

    /** Up to `count` clients after `cursor` (see `scan.ts`), with the cursor after each. */
    clientsPage(cursor: ScanCursor | undefined, count: number): { key: ClientKey; record: ClientRecord; cursor: ScanCursor }[] {
        return scanPage(this.maps.clients, cursor, count).map((entry) => {
            const [client_principal, client_nonce] = decodePrincipalAndU64Key(entry.key);
            return { key: { client_principal, client_nonce }, record: decodeClientRecord(entry.value), cursor: entry.cursor };
        });
    }

    /**
     * Up to `count` client map keys after `cursor` and the position of the first (see `scanKeys`): no records are
     * read, no key is decoded ({@link WsStore.decodeClientMapKey} does it for the ones used).
     */
    clientMapKeysPage(cursor: ScanCursor | undefined, count: number): { keys: Uint8Array[]; start: number } {
        return scanKeys(this.maps.clients, cursor, count);
    }

    /** The client key of a clients-map key. */
    decodeClientMapKey(bytes: Uint8Array): ClientKey {
        const [client_principal, client_nonce] = decodePrincipalAndU64Key(bytes);
        return { client_principal, client_nonce };
    }

    /** Up to `count` gateway registrations after `cursor`. */
    gatewaysPage(cursor: ScanCursor | undefined, count: number): { gateway: Principal; record: GatewayRecord; cursor: ScanCursor }[] {
        return scanPage(this.maps.gateways, cursor, count).map((entry) => ({
            gateway: decodePrincipalKey(entry.key),
            record: decodeGatewayRecord(entry.value),
            cursor: entry.cursor
        }));
    }

    /** The timers' schedule (undefined before the first init, and after a wipe). */
    getSchedule(): Schedule | undefined {
        const bytes = this.maps.principals.get(SCHEDULE_KEY);
        return bytes === undefined ? undefined : decodeSchedule(bytes);
    }

    putSchedule(schedule: Schedule): void {
        this.maps.principals.insert(SCHEDULE_KEY, encodeSchedule(schedule));
    }

    /** Every connected client, in key byte order. */
    allClients(): [ClientKey, ClientRecord][] {
        return this.maps.clients.items().map(([key, value]) => {
            const [client_principal, client_nonce] = decodePrincipalAndU64Key(key);
            return [{ client_principal, client_nonce }, decodeClientRecord(value)];
        });
    }

    /** The principal of every connected client, in key byte order (no record decoding). O(n): introspection only. */
    allClientPrincipals(): Principal[] {
        return this.maps.clients.keys().map((key) => decodePrincipalAndU64Key(key)[0]);
    }

    clientCount(): number {
        return this.maps.clients.len();
    }

    /** The nonce of `principal`'s current client key (one active key per principal). */
    getCurrentNonce(principal: Principal): bigint | undefined {
        if (!isStorablePrincipal(principal)) return undefined;
        const bytes = this.maps.principals.get(principalKeyBytes(principal));
        return bytes === undefined ? undefined : readU64(bytes, 0);
    }

    setCurrentNonce(principal: Principal, nonce: bigint): void {
        this.maps.principals.insert(principalKeyBytes(principal), u64ToBytes(nonce));
    }

    removeCurrentNonce(principal: Principal): void {
        this.maps.principals.remove(principalKeyBytes(principal));
    }

    getGateway(gateway: Principal): GatewayRecord | undefined {
        if (!isStorablePrincipal(gateway)) return undefined;
        const bytes = this.maps.gateways.get(principalKeyBytes(gateway));
        return bytes === undefined ? undefined : decodeGatewayRecord(bytes);
    }

    putGateway(gateway: Principal, record: GatewayRecord): void {
        this.maps.gateways.insert(principalKeyBytes(gateway), encodeGatewayRecord(record));
    }

    removeGateway(gateway: Principal): void {
        this.maps.gateways.remove(principalKeyBytes(gateway));
    }

    allGateways(): [Principal, GatewayRecord][] {
        return this.maps.gateways.items().map(([key, value]) => [decodePrincipalKey(key), decodeGatewayRecord(value)]);
    }

    /** Empties the three maps (used by `wipe`). */
    clear(): void {
        for (const map of [this.maps.clients, this.maps.principals, this.maps.gateways]) {
            for (const [key] of map.items()) map.remove(key);
        }
    }
}
