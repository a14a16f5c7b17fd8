/**
 * Ingress messages submitted through PocketIC's `submit_ingress_message`, awaited with `await_ingress_message`.
 *
 * As on PocketIC, a submitted message is only queued; it executes at the next round (`tick`) or when it is
 * awaited, whichever comes first. Queued messages execute in submission order.
 */
import { randomBytes } from 'node:crypto';

/** What a finished message produced: its reply bytes, or the error it was rejected with. */
export type IngressOutcome = { ok: true; reply: Uint8Array } | { ok: false; error: unknown };

interface Message {
    run: () => Promise<Uint8Array>;
    outcome?: Promise<IngressOutcome>;
    /** Set once the message has finished. */
    settled?: IngressOutcome;
}

/**
 * @example
 * ```ts
 * const queue = new IngressQueue();
 * const id = queue.submit(() => replica.update(canisterId, 'inc', arg, { sender }).then((r) => r.reply));
 * await queue.executePending();          // what a tick does
 * const outcome = await queue.await(id); // { ok: true, reply }
 * ```
 */
export class IngressQueue {
    readonly #messages = new Map<string, Message>();
    readonly #pending: string[] = [];

    /** Queues a message and returns its id (32 random bytes, base64, as PocketIC's message ids are opaque). */
    submit(run: () => Promise<Uint8Array>): string {
        const id = randomBytes(32).toString('base64');
        this.#messages.set(id, { run });
        this.#pending.push(id);
        return id;
    }

    /** Starts every queued message, in order, and waits for all of them to finish. */
    async executePending(): Promise<void> {
        const started = this.#pending.splice(0).map((id) => this.#start(id));
        await Promise.all(started);
    }

    /**
     * Executes the message if still queued (and those queued before it), then returns its outcome. An awaited
     * message is forgotten afterwards (its outcome has been delivered), so long runs do not accumulate them.
     */
    async await(id: string): Promise<IngressOutcome> {
        const message = this.#messages.get(id);
        if (!message) throw new TypeError(`unknown ingress message id ${id}`);
        if (!message.outcome) {
            const position = this.#pending.indexOf(id);
            for (const earlier of this.#pending.splice(0, position + 1)) void this.#start(earlier);
        }
        const outcome = await message.outcome!;
        this.#messages.delete(id);
        return outcome;
    }

    /** The outcome of a finished, not yet awaited message; `undefined` while it is queued or executing. */
    status(id: string): IngressOutcome | undefined {
        return this.#messages.get(id)?.settled;
    }

    #start(id: string): Promise<IngressOutcome> {
        const message = this.#messages.get(id)!;
        message.outcome ??= message
            .run()
            .then(
                (reply): IngressOutcome => ({ ok: true, reply }),
                (error): IngressOutcome => ({ ok: false, error })
            )
            .then((outcome) => (message.settled = outcome));
        return message.outcome;
    }
}
