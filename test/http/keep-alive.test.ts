// The replica's HTTP servers leave closing an idle keep-alive connection to the client (transport.ts `listen`).
// Node's default closed it after 5 s idle, racing a client that reused it late ("other side closed").
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterAll, expect, it } from 'vitest';
import { close, listen } from '../../replica/http/transport.ts';

const server = createServer((_request, response) => response.end('ok'));
afterAll(() => close(server));

it('keeps an idle connection open past Node’s default 5 s and answers on it again, with no Keep-Alive timeout hint', { timeout: 20_000 }, async () => {
    const port = await listen(server, 0);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    let closed = false;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('close', () => (closed = true));
    const answers = () => received.split('HTTP/1.1 200').length - 1;
    const request = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';

    socket.write(request);
    await expect.poll(answers).toBe(1);
    expect(received.toLowerCase()).not.toContain('keep-alive: timeout');
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // idle past the old 5 s server timeout
    expect(closed).toBe(false);
    socket.write(request);
    await expect.poll(answers).toBe(2);
    socket.destroy();
});
