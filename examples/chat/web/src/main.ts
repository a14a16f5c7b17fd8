/**
 * The chat page: reads where the chat lives (config.ts), lets the user join with a nickname and chat, shows the
 * connection state, errors in a banner, and offers Reconnect after a disconnect.
 */
import type { ChatMessage } from './chat-idl';
import { openChatSession, type ChatConfig, type ChatSession } from './chat-session';
import { loadConfig } from './config';
import { appendMessage, appendNotice, element, hideError, hideHint, showDetails, showError, showHint, showStatus, updateCounter } from './view';

function setComposerEnabled(enabled: boolean): void {
    element('text', 'input').disabled = !enabled;
    element('send-button', 'button').disabled = !enabled;
}

function details(config: ChatConfig, principal?: string): Record<string, string> {
    return {
        Canister: config.canisterId,
        Gateway: config.gatewayUrl,
        'IC endpoint': config.replicaUrl ?? config.networkUrl,
        ...(principal ? { 'You are': principal } : {})
    };
}

async function main(): Promise<void> {
    element('error-dismiss').addEventListener('click', hideError);
    showStatus('idle');
    let config: ChatConfig;
    try {
        config = await loadConfig(location.search);
    } catch (error) {
        showError(error instanceof Error ? error.message : String(error));
        element('join-button', 'button').disabled = true;
        return;
    }
    showDetails(details(config));

    let session: ChatSession | undefined;
    // Which connection the page shows: events of a connection the user already left are ignored.
    let active: object | undefined;
    let nickname = '';

    const connect = () => {
        hideError();
        element('reconnect-button').hidden = true;
        const token = {};
        active = token;
        try {
            session = openChatSession(config, nickname, {
                onState(state, detail) {
                    if (active !== token) return;
                    showStatus(state, detail, nickname);
                    setComposerEnabled(state === 'open');
                    if (state === 'open') element('text', 'input').focus();
                    if (state === 'reconnecting' && detail) appendNotice(detail);
                    if (state === 'closed') {
                        if (detail) appendNotice(detail);
                        element('reconnect-button').hidden = false;
                    }
                },
                onMessage: (message: ChatMessage) => active === token && appendMessage(message, nickname),
                onError: (message) => active === token && showError(message)
            });
            showDetails(details(config, session.principal));
        } catch (error) {
            showError(error instanceof Error ? error.message : String(error));
            showStatus('closed');
            element('reconnect-button').hidden = false;
        }
    };

    element('nickname', 'input').addEventListener('input', () => hideHint('join-hint'));
    element('join-form').addEventListener('submit', (event) => {
        event.preventDefault();
        nickname = element('nickname', 'input').value.trim();
        if (!nickname) return showHint('join-hint', 'Choose a nickname: it cannot be only spaces.');
        hideHint('join-hint');
        element('join').hidden = true;
        element('room').hidden = false;
        connect();
    });

    const text = element('text', 'input');
    text.addEventListener('input', () => {
        hideHint('composer-hint');
        updateCounter(text.value.length, text.maxLength);
    });
    updateCounter(0, text.maxLength);
    element('composer').addEventListener('submit', (event) => {
        event.preventDefault();
        const value = text.value.trim();
        if (!session) return;
        if (!value) return showHint('composer-hint', 'A message cannot be only spaces.');
        try {
            session.post(value);
            text.value = '';
            updateCounter(0, text.maxLength);
        } catch (error) {
            showError(`Could not send: ${error instanceof Error ? error.message : String(error)}`);
        }
    });

    element('reconnect-button').addEventListener('click', () => {
        appendNotice('Reconnecting…');
        connect();
    });

    element('leave-button').addEventListener('click', () => {
        const leaving = session;
        session = undefined;
        active = undefined;
        leaving?.leave();
        setComposerEnabled(false);
        showStatus('idle');
        hideError();
        hideHint('composer-hint');
        element('reconnect-button').hidden = true;
        element('room').hidden = true;
        element('join').hidden = false;
        element('messages').replaceChildren();
        element('empty').hidden = false;
    });
}

void main();
