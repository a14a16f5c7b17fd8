/**
 * The per-instance endpoints of the PocketIC REST API (`/instances/<id>/...`), as @dfinity/pic 0.23 calls them.
 * Each handler takes the instance and the parsed JSON body and returns the JSON answer.
 */
import { Principal } from '@dfinity/principal';
import { ErrorCode, RejectError } from '../index.ts';
import type { PicInstance } from './instance.ts';
import type { BlobStore } from './blobstore.ts';
import { fromBase64, toBase64, toBigInt } from './json.ts';
import { callResultJson } from './reject.ts';
import { topologyJson } from './topology.ts';

const NANOS_PER_MILLI = 1_000_000n;
const MANAGEMENT = Principal.managementCanister();

export type InstanceHandler = (instance: PicInstance, body: Record<string, unknown>, blobs: BlobStore) => Promise<unknown>;

/** `"<METHOD> <path below /instances/<id>>"` → handler. */
export const INSTANCE_ROUTES: Record<string, InstanceHandler> = {
    'GET /_/topology': async (instance) => topologyJson(instance.subnets, instance.defaultEffectiveCanisterId),

    'GET /read/get_time': async (instance) => ({ nanos_since_epoch: instance.replica.getTimeNs() }),

    'POST /update/set_time': async (instance, body) => {
        instance.replica.setTime(nanosToMillis(body.nanos_since_epoch));
        return null;
    },

    'POST /update/set_certified_time': async (instance, body) => {
        instance.replica.setCertifiedTime(nanosToMillis(body.nanos_since_epoch));
        return null;
    },

    'POST /update/tick': async (instance) => {
        await instance.ingress.executePending();
        await instance.replica.tick(1);
        return null;
    },

    'POST /read/get_subnet': async (instance, body) => {
        const subnet = instance.subnetOf(principalField(body, 'canister_id'));
        return subnet ? { subnet_id: toBase64(subnet.id.toUint8Array()) } : null;
    },

    'POST /read/pub_key': async (instance, body) => {
        const subnetId = principalField(body, 'subnet_id');
        if (!instance.subnets.some((s) => s.id.toText() === subnetId.toText())) {
            throw new TypeError(`subnet ${subnetId.toText()} does not exist in instance ${instance.id}`);
        }
        return Array.from(instance.replica.rootKey);
    },

    'POST /read/get_controllers': async (instance, body) =>
        instance.replica.canisterStatus(existingCanister(instance, body)).controllers.map((p) => ({ principal_id: toBase64(p.toUint8Array()) })),

    'POST /read/get_cycles': async (instance, body) => ({ cycles: instance.replica.getCycles(existingCanister(instance, body)) }),

    'POST /update/add_cycles': async (instance, body) => {
        const canisterId = existingCanister(instance, body);
        return { cycles: instance.replica.addCycles(canisterId, toBigInt(body.amount, 'amount')) };
    },

    'POST /read/get_stable_memory': async (instance, body) => ({
        blob: toBase64(instance.replica.getStableMemory(existingCanister(instance, body)))
    }),

    'POST /update/set_stable_memory': async (instance, body, blobs) => {
        const canisterId = existingCanister(instance, body);
        instance.replica.setStableMemory(canisterId, blobs.get(fromBase64(body.blob_id, 'blob_id')));
        return null;
    },

    'GET /read/get_canister_http': async () => [],

    'GET /auto_progress': async (instance) => instance.isLive,

    'POST /auto_progress': async (instance) => {
        instance.startLive();
        return null;
    },

    'POST /stop_progress': async (instance) => {
        instance.stopLive();
        return null;
    },

    'POST /read/query': async (instance, body) => {
        const call = canisterCall(body);
        const outcome = await instance.replica.query(call.canisterId, call.method, call.payload, { sender: call.sender }).then(
            (r) => ({ ok: true as const, reply: r.reply }),
            (error: unknown) => ({ ok: false as const, error })
        );
        return callResultJson(outcome, false);
    },

    'POST /update/submit_ingress_message': async (instance, body) => {
        const call = canisterCall(body);
        const refusal = submissionRefusal(instance, call.canisterId);
        if (refusal) return callResultJson({ ok: false, error: refusal }, false);
        const messageId = instance.ingress.submit(() => executeUpdate(instance, call));
        return { Ok: { effective_principal: body.effective_principal ?? 'None', message_id: messageId } };
    },

    'POST /update/await_ingress_message': async (instance, body) => {
        const outcome = await instance.ingress.await(messageIdField(body));
        return callResultJson(outcome, true);
    },

    'POST /update/execute_ingress_message': async (instance, body) => {
        const call = canisterCall(body);
        const refusal = submissionRefusal(instance, call.canisterId);
        if (refusal) return callResultJson({ ok: false, error: refusal }, false);
        const outcome = await instance.ingress.await(instance.ingress.submit(() => executeUpdate(instance, call)));
        return callResultJson(outcome, true);
    },

    'POST /read/ingress_status': async (instance, body) => {
        const raw = body.raw_message_id as Record<string, unknown> | undefined;
        if (!raw || typeof raw !== 'object') throw new TypeError('raw_message_id is required');
        const outcome = instance.ingress.status(messageIdField(raw));
        return outcome ? callResultJson(outcome, true) : null;
    }
};

interface CanisterCall {
    sender: Principal;
    canisterId: Principal;
    method: string;
    payload: Uint8Array;
}

function canisterCall(body: Record<string, unknown>): CanisterCall {
    if (typeof body.method !== 'string') throw new TypeError('method must be a string');
    return {
        sender: principalField(body, 'sender'),
        canisterId: principalField(body, 'canister_id'),
        method: body.method,
        payload: fromBase64(body.payload, 'payload')
    };
}

async function executeUpdate(instance: PicInstance, call: CanisterCall): Promise<Uint8Array> {
    return (await instance.replica.update(call.canisterId, call.method, call.payload, { sender: call.sender })).reply;
}

/** Ingress to a canister that does not exist is refused at submission, as PocketIC does. */
function submissionRefusal(instance: PicInstance, canisterId: Principal): RejectError | undefined {
    if (canisterId.toText() === MANAGEMENT.toText()) return undefined;
    if (instance.subnetOf(canisterId)) return undefined;
    return RejectError.of(ErrorCode.CanisterNotFound, `Canister ${canisterId.toText()} not found`);
}

function messageIdField(body: Record<string, unknown>): string {
    if (typeof body.message_id !== 'string') throw new TypeError('message_id must be a base64 string');
    return body.message_id;
}

function principalField(body: Record<string, unknown>, field: string): Principal {
    return Principal.fromUint8Array(fromBase64(body[field], field));
}

function existingCanister(instance: PicInstance, body: Record<string, unknown>): Principal {
    const canisterId = principalField(body, 'canister_id');
    if (!instance.subnetOf(canisterId)) throw new TypeError(`canister ${canisterId.toText()} does not exist`);
    return canisterId;
}

function nanosToMillis(value: unknown): number {
    return Number(toBigInt(value, 'nanos_since_epoch') / NANOS_PER_MILLI);
}

