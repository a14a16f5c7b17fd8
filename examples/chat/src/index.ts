/**
 * The chat canister: clients join with a nickname, get the recent history, and every post is broadcast to everyone
 * connected. Joins and leaves are announced. History and nicknames live in stable memory, like the CDK's state,
 * so an upgrade loses nothing.
 */
import { IDL, init, postUpgrade, query, time } from 'azle';
import { IcWebSocket } from 'ic-websocket-cdk';
import { ChatMessageIdl, ChatPostIdl, type ChatMessage, type ChatPost } from './chat_types';
import { encodePosted, History } from './history';
import { cleanNickname, cleanPost, Members } from './members';

const history = new History(0);
const members = new Members(1);

const ws = new IcWebSocket<ChatMessage>({
    appMessage: ChatMessageIdl,
    // The CDK's default memory ids (249–253) do not collide with the chat's 0 and 1.
    onMessage: ({ clientPrincipal, message }) => {
        const principal = clientPrincipal.toText();
        if ('Join' in message) {
            const nickname = cleanNickname(message.Join.nickname, principal);
            members.join(principal, nickname);
            for (const posted of history.recentEncoded()) ws.sendRaw(clientPrincipal, posted);
            ws.broadcast({ Joined: { nickname, timestamp: time() } });
        } else if ('Post' in message) {
            const nickname = members.nicknameOf(principal);
            const text = cleanPost(message.Post.text);
            if (nickname === undefined || text.length === 0) return; // must join first; empty posts are dropped
            const posted = encodePosted({ nickname, text, timestamp: time() });
            history.add(posted);
            ws.broadcastRaw(posted);
        }
        // Posted/Joined/Left are canister → client only; a client sending them is ignored.
    },
    onClose: ({ clientPrincipal }) => {
        const nickname = members.leave(clientPrincipal.toText());
        if (nickname !== undefined) ws.broadcast({ Left: { nickname, timestamp: time() } });
    }
});

class Chat {
    @init([])
    init(): void {
        ws.init();
    }

    @postUpgrade([])
    postUpgrade(): void {
        ws.init();
    }

    /** The recent posts, oldest first. */
    @query([], IDL.Vec(ChatPostIdl))
    history(): ChatPost[] {
        return history.recent();
    }

    /** Nicknames of the connected members. */
    @query([], IDL.Vec(IDL.Text))
    members(): string[] {
        return members.all();
    }
}

export default [Chat, ws.methods];
