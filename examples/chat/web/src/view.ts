/** DOM rendering for the chat page: small functions from state to elements, no protocol logic. */
import type { ChatMessage } from './chat-idl';
import type { ConnectionState } from './chat-session';

const STATUS_TEXT: Record<ConnectionState | 'idle', string> = {
    idle: 'Not connected',
    connecting: 'Connecting…',
    open: 'Connected',
    reconnecting: 'Reconnecting…',
    closed: 'Disconnected'
};

export function element<K extends keyof HTMLElementTagNameMap>(id: string, _tag?: K): HTMLElementTagNameMap[K] {
    const found = document.getElementById(id);
    if (!found) throw new Error(`page is missing #${id}`);
    return found as HTMLElementTagNameMap[K];
}

/** Shows the connection state (with who you are once open); `detail`, e.g. a close reason, goes into the tooltip. */
export function showStatus(state: ConnectionState | 'idle', detail?: string, nickname?: string): void {
    const status = element('status');
    status.dataset.state = state;
    status.title = detail ?? '';
    element('status-text').textContent = state === 'open' && nickname ? `Connected as ${nickname}` : STATUS_TEXT[state];
}

export function showError(message: string): void {
    element('error-text').textContent = message;
    element('error').hidden = false;
    element('empty').hidden = true; // "No messages yet" next to an error reads as if all were fine
}

/** A short hint under a form (e.g. why the input was not accepted). */
export function showHint(id: 'join-hint' | 'composer-hint', text: string): void {
    const hint = element(id);
    hint.textContent = text;
    hint.hidden = false;
}

export function hideHint(id: 'join-hint' | 'composer-hint'): void {
    element(id).hidden = true;
}

/** The message length next to the box's limit (the canister keeps at most that many characters). */
export function updateCounter(length: number, max: number): void {
    const counter = element('counter');
    counter.textContent = `${length.toLocaleString('en-US')} / ${max.toLocaleString('en-US')}`;
    counter.dataset.full = String(length >= max);
}

export function hideError(): void {
    element('error').hidden = true;
}

/** Lists name/value pairs (canister id, gateway, …) in the footer. */
export function showDetails(details: Record<string, string>): void {
    const list = element('details');
    list.replaceChildren(
        ...Object.entries(details).flatMap(([name, value]) => [Object.assign(document.createElement('dt'), { textContent: name }), Object.assign(document.createElement('dd'), { textContent: value })])
    );
}

/** Appends one chat message (a post or a join/leave notice) and scrolls to it. */
export function appendMessage(message: ChatMessage, ownNickname: string): void {
    const item = renderMessage(message, ownNickname);
    if (!item) return;
    const list = element('messages');
    list.append(item);
    element('empty').hidden = true;
    list.scrollTop = list.scrollHeight;
}

/** A notice from the page itself (connection events), styled like join/leave notices. */
export function appendNotice(text: string): void {
    const list = element('messages');
    list.append(notice(text));
    element('empty').hidden = true;
    list.scrollTop = list.scrollHeight;
}

function renderMessage(message: ChatMessage, ownNickname: string): HTMLLIElement | undefined {
    if ('Posted' in message) {
        const { nickname, text, timestamp } = message.Posted;
        const item = document.createElement('li');
        item.className = nickname === ownNickname ? 'message mine' : 'message';
        item.dataset.nickname = nickname;
        const meta = document.createElement('div');
        meta.className = 'message-meta';
        meta.append(Object.assign(document.createElement('strong'), { textContent: nickname }), ` · ${formatTime(timestamp)}`);
        const body = Object.assign(document.createElement('div'), { className: 'message-text', textContent: text });
        item.append(meta, body);
        return item;
    }
    if ('Joined' in message) return notice(`${message.Joined.nickname} joined · ${formatTime(message.Joined.timestamp)}`);
    if ('Left' in message) return notice(`${message.Left.nickname} left · ${formatTime(message.Left.timestamp)}`);
    return undefined; // Join and Post only travel from clients to the canister.
}

function notice(text: string): HTMLLIElement {
    return Object.assign(document.createElement('li'), { className: 'notice', textContent: text });
}

/** Canister time (ns since the epoch) as local hh:mm. */
export function formatTime(timestampNs: bigint): string {
    return new Date(Number(timestampNs / 1_000_000n)).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
