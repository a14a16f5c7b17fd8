/** Nicknames of the connected clients that joined, in stable memory (principal text → nickname). */
import { StableBTreeMap } from 'azle';

/** Longest nickname and post kept; longer input is cut, not refused. */
export const MAX_NICKNAME_LENGTH = 32;
export const MAX_POST_LENGTH = 1_000;

export class Members {
    private readonly nicknames: StableBTreeMap<string, string>;

    constructor(memoryId: number) {
        this.nicknames = new StableBTreeMap<string, string>(memoryId);
    }

    join(principal: string, nickname: string): void {
        this.nicknames.insert(principal, nickname);
    }

    nicknameOf(principal: string): string | undefined {
        return this.nicknames.get(principal) ?? undefined;
    }

    /** Removes the member; returns the nickname it had, if it had joined. */
    leave(principal: string): string | undefined {
        return this.nicknames.remove(principal) ?? undefined;
    }

    all(): string[] {
        return this.nicknames.values();
    }
}

/** A usable nickname: trimmed, cut to the maximum, or a default derived from the principal when empty. */
export function cleanNickname(nickname: string, principal: string): string {
    const trimmed = nickname.trim().slice(0, MAX_NICKNAME_LENGTH);
    return trimmed.length > 0 ? trimmed : `guest-${principal.slice(0, 5)}`;
}

/** A post's text trimmed and cut to the maximum; empty means "ignore". */
export function cleanPost(text: string): string {
    return text.trim().slice(0, MAX_POST_LENGTH);
}
