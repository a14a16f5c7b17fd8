// The chat page (ic-websocket-client, bundled for the browser) in headless Chromium: two tabs join and chat
// through the gateway, each verifying the canister's certificates in the browser; then what a newcomer hits:
// bad addresses, a refused canister, a lost connection, a phone-sized window, blank input, the length limit.
// Screenshots go to test-artifacts/ (chat-browser.png, chat-375px.png).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { servePage } from '../../dev/src/page-server.ts';
import { buildPage } from '../../examples/chat/web/build.mjs';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB = join(import.meta.dirname, '..', '..', 'examples', 'chat', 'web');
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const CHROMIUM_FLAGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
];

let network: ChatNetwork;
let gateway: Gateway;
let page: { url: string; close(): Promise<void> };
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
    network = await startChatNetwork();
    gateway = network.gateway;
    // As `npm start` serves it: the bundle built, the folder served by ic-websocket dev's page server (/api proxied).
    await buildPage();
    page = await servePage({ dir: WEB, port: 0, icUrl: network.url, config: { gatewayUrl: gateway.url, canisters: { chat: network.canisterId } } });
    profile = mkdtempSync(join(tmpdir(), 'chat-browser-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, viewport: { width: 900, height: 760 } });
    mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await page?.close();
    await network?.close();
});

/** A new tab on `url`, failing the test on any uncaught page error. */
async function openTab(url: string): Promise<Page> {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (error) => problems.push(error.message));
    tab.on('close', () => expect(problems).toEqual([]));
    await tab.goto(url);
    return tab;
}

async function openTabAndJoin(nickname: string, url = page.url): Promise<Page> {
    const tab = await openTab(url);
    await tab.fill('#nickname', nickname);
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
    return tab;
}

async function post(tab: Page, text: string): Promise<void> {
    await tab.fill('#text', text);
    await tab.click('#send-button');
}

/** A port nobody listens on: reserved, then released. */
function closedPort(): Promise<number> {
    return new Promise((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
        });
    });
}

const messageFrom = (nickname: string, text: string) => `li.message[data-nickname="${nickname}"] .message-text:text-is("${text}")`;

it('two tabs chat through the gateway', async () => {
    const ada = await openTabAndJoin('ada');
    const bob = await openTabAndJoin('bob');
    await post(ada, 'Hello from the first tab!');
    await bob.waitForSelector(messageFrom('ada', 'Hello from the first tab!'), { timeout: 15_000 });
    await post(bob, 'Hi ada, certified and delivered.');
    await ada.waitForSelector(messageFrom('bob', 'Hi ada, certified and delivered.'), { timeout: 15_000 });
    // No error banner in either tab.
    expect(await ada.isVisible('#error')).toBe(false);
    expect(await bob.isVisible('#error')).toBe(false);
    // The footer names the replica `npm start` printed, not the page's proxy.
    expect(await ada.textContent('#details')).toContain(`IC endpoint${network.url}`);
    await ada.screenshot({ path: join(ARTIFACTS, 'chat-browser.png') });
    await ada.close();
    await bob.close();
});

it('shows connection errors instead of failing silently', async () => {
    const port = await closedPort();
    const tab = await openTab(`${page.url}?gateway=ws://127.0.0.1:${port}`);
    await tab.fill('#nickname', 'eve');
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="closed"]', { timeout: 30_000 });
    expect(await tab.textContent('#error-text')).toBe(`Cannot reach the gateway at ws://127.0.0.1:${port}. Is it running?`);
    expect(await tab.isDisabled('#send-button')).toBe(true);
    // "No messages yet" does not sit next to the error, and a Reconnect button is offered.
    expect(await tab.isVisible('#empty')).toBe(false);
    expect(await tab.isVisible('#reconnect-button')).toBe(true);
    await tab.close();
});

it('explains an invalid canister id in the address, before anything is sent', async () => {
    const tab = await openTab(`${page.url}?canister=not-a-canister`);
    await tab.waitForSelector('#error:not([hidden])');
    expect(await tab.textContent('#error-text')).toBe(
        '"not-a-canister" (from ?canister= in the page address) is not a valid canister id. A canister id looks like lxzze-o7777-77777-aaaaa-cai.'
    );
    expect(await tab.isDisabled('#join-button')).toBe(true);
    await tab.close();
});

it('shows a banner when the canister does not exist here', async () => {
    // A well-formed id with no canister behind it: the IC refuses ws_open and the gateway closes with its reason.
    const tab = await openTab(`${page.url}?canister=ryjl3-tyaaa-aaaaa-aaaba-cai`);
    await tab.fill('#nickname', 'eve');
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="closed"]', { timeout: 30_000 });
    const banner = (await tab.textContent('#error-text'))!;
    expect(banner).toMatch(/^Canister ryjl3-tyaaa-aaaaa-aaaba-cai refused the connection: it may not exist here or not be an IC WebSocket canister \(gateway: (ws_open refused|canister polling failed)/);
    expect(await tab.isVisible('#error')).toBe(true);
    expect(await tab.isVisible('#empty')).toBe(false);
    await tab.close();
});

it('offers Reconnect after a disconnect, and chats again after it', async () => {
    // A gateway of its own, stopped under the tab and restarted on the same port; no automatic reconnect here.
    const port = await closedPort();
    let own = await startGateway({ icUrl: network.url, port, logLevel: 'error' });
    const ownPage = await servePage({ dir: WEB, port: 0, icUrl: network.url, config: { gatewayUrl: own.url, canisters: { chat: network.canisterId }, extra: { reconnectAttempts: 0 } } });
    try {
        const tab = await openTabAndJoin('carol', ownPage.url);
        await own.close();
        await tab.waitForSelector('#status[data-state="closed"]', { timeout: 15_000 });
        expect(await tab.isVisible('#reconnect-button')).toBe(true);
        expect(await tab.isDisabled('#send-button')).toBe(true);
        own = await startGateway({ icUrl: network.url, port, logLevel: 'error' });
        await tab.click('#reconnect-button');
        await tab.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
        expect(await tab.isVisible('#reconnect-button')).toBe(false);
        expect(await tab.isVisible('#error')).toBe(false);
        await post(tab, 'back again');
        await tab.waitForSelector(messageFrom('carol', 'back again'), { timeout: 15_000 });
        await tab.close();
    } finally {
        await ownPage.close();
        await own.close();
    }
});

it('says why blank input is not sent, and states the one length limit', async () => {
    const tab = await openTab(page.url);
    await tab.fill('#nickname', '   ');
    await tab.click('#join-button');
    expect(await tab.textContent('#join-hint')).toBe('Choose a nickname: it cannot be only spaces.');
    expect(await tab.isVisible('#join')).toBe(true);
    await tab.fill('#nickname', 'dave');
    expect(await tab.isVisible('#join-hint')).toBe(false);
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
    // The box takes what the canister keeps (1,000 characters) and says so.
    expect(await tab.getAttribute('#text', 'maxlength')).toBe('1000');
    expect(await tab.textContent('#counter')).toBe('0 / 1,000');
    await post(tab, '    ');
    expect(await tab.textContent('#composer-hint')).toBe('A message cannot be only spaces.');
    await tab.fill('#text', 'x'.repeat(1_200));
    expect((await tab.inputValue('#text')).length).toBe(1_000);
    expect(await tab.textContent('#counter')).toBe('1,000 / 1,000');
    await tab.close();
});

it('fits a 375 px wide phone screen', async () => {
    const tab = await openTab(page.url);
    await tab.setViewportSize({ width: 375, height: 740 });
    await tab.fill('#nickname', 'erin');
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
    await post(tab, 'Typing on a small screen works too.');
    await tab.waitForSelector(messageFrom('erin', 'Typing on a small screen works too.'), { timeout: 15_000 });
    for (const selector of ['#text', '#send-button', '#leave-button', '#status']) {
        const box = (await tab.locator(selector).boundingBox())!;
        expect(box.x, selector).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, selector).toBeLessThanOrEqual(375);
    }
    expect(await tab.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await tab.screenshot({ path: join(ARTIFACTS, 'chat-375px.png') });
    await tab.close();
});
