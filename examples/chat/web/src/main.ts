/**
 * The chat page: reads where the chat lives (config.json, which `npm start` serves, overridable with
 * ?gateway=…&network=…&canister=…), lets the user join with a nickname and chat.
 */
import type { ChatMessage } from './chat-idl';
import { openChatSession, type ChatConfig, type ChatSession } from './chat-session';
import { appendMessage, appendNotice, element, hideError, showDetails, showError, showStatus } from './view';

async function loadConfig(): Promise<ChatConfig> {
    const params = new URLSearchParams(location.search);
    let served: Partial<ChatConfig> = {};
    const response = await fetch('config.json').catch(() => undefined);
    if (response?.ok) served = await response.json();
    const config = {
        gatewayUrl: params.get('gateway') ?? served.gatewayUrl,
        networkUrl: params.get('network') ?? served.networkUrl,
        canisterId: params.get('canister') ?? served.canisterId,
        ackMessageIntervalMs: served.ackMessageIntervalMs
    };
    const missing = (['gatewayUrl', 'networkUrl', 'canisterId'] as const).filter((name) => !config[name]);
    if (missing.length > 0) {
        throw new Error(`This page needs ${missing.join(', ')}: serve a config.json next to it or add ?gateway=…&network=…&canister=… to the URL.`);
    }
    return config as ChatConfig;
}

function setComposerEnabled(enabled: boolean): void {
    element('text', 'input').disabled = !enabled;
    element('send-button', 'button').disabled = !enabled;
}

async function main(): Promise<void> {
    element('error-dismiss').addEventListener('click', hideError);
    showStatus('idle');
    let config: ChatConfig;
    try {
        config = await loadConfig();
    } catch (error) {
        showError(error instanceof Error ? error.message : String(error));
        element('join-button', 'button').disabled = true;
        return;
    }
    showDetails({ Canister: config.canisterId, Gateway: config.gatewayUrl, 'IC endpoint': config.networkUrl });

    let session: ChatSession | undefined;
    let nickname = '';

    element('join-form').addEventListener('submit', (event) => {
        event.preventDefault();
        nickname = element('nickname', 'input').value.trim();
        if (!nickname) return;
        hideError();
        element('join').hidden = true;
        element('room').hidden = false;
        session = openChatSession(config, nickname, {
            onState(state, detail) {
                showStatus(state, detail, nickname);
                setComposerEnabled(state === 'open');
                if (state === 'open') element('text', 'input').focus();
                if (state === 'closed' && detail) appendNotice(detail);
            },
            onMessage: (message: ChatMessage) => appendMessage(message, nickname),
            onError: (message) => showError(message)
        });
        showDetails({ Canister: config.canisterId, Gateway: config.gatewayUrl, 'IC endpoint': config.networkUrl, 'You are': session.principal });
    });

    element('composer').addEventListener('submit', (event) => {
        event.preventDefault();
        const input = element('text', 'input');
        const text = input.value.trim();
        if (!text || !session) return;
        try {
            session.post(text);
            input.value = '';
        } catch (error) {
            showError(`Could not send: ${error instanceof Error ? error.message : String(error)}`);
        }
    });

    element('leave-button').addEventListener('click', () => {
        session?.leave();
        session = undefined;
        setComposerEnabled(false);
        element('room').hidden = true;
        element('join').hidden = false;
        element('messages').replaceChildren();
        element('empty').hidden = false;
    });
}

void main();
