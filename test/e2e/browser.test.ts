// The chat page in headless Chromium: two tabs join and chat through the gateway, each verifying the canister's
// certificates in the browser. Saves a screenshot to test-artifacts/chat-browser.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { servePage } from '../../examples/chat/web/serve.mjs';
import { startGateway, type Gateway } from '../../gateway/index.ts';
import { startChatNetwork, type ChatNetwork } from './support/chat-network.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
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
    gateway = await startGateway({ icUrl: network.url, port: 0, logLevel: 'warn' });
    page = await servePage({ port: 0, icProxy: network.url, config: { gatewayUrl: gateway.url, canisterId: network.canisterId } });
    profile = mkdtempSync(join(tmpdir(), 'chat-browser-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, viewport: { width: 900, height: 760 } });
});

afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await page?.close();
    await gateway?.close();
    await network?.close();
});

async function openTabAndJoin(nickname: string): Promise<Page> {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (error) => problems.push(error.message));
    await tab.goto(page.url);
    await tab.fill('#nickname', nickname);
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
    expect(problems).toEqual([]);
    return tab;
}

async function post(tab: Page, text: string): Promise<void> {
    await tab.fill('#text', text);
    await tab.click('#send-button');
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
    mkdirSync(ARTIFACTS, { recursive: true });
    await ada.screenshot({ path: join(ARTIFACTS, 'chat-browser.png') });
});

it('shows connection errors instead of failing silently', async () => {
    // A port nobody listens on: reserved, then released.
    const closedPort = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number };
            probe.close(() => resolve(port));
        });
    });
    const tab = await browser.newPage();
    await tab.goto(`${page.url}?gateway=ws://127.0.0.1:${closedPort}`);
    await tab.fill('#nickname', 'eve');
    await tab.click('#join-button');
    await tab.waitForSelector('#status[data-state="closed"]', { timeout: 15_000 });
    expect(await tab.textContent('#error-text')).toBe(`Cannot reach the gateway at ws://127.0.0.1:${closedPort}. Is it running?`);
    expect(await tab.isDisabled('#send-button')).toBe(true);
    await tab.close();
});
