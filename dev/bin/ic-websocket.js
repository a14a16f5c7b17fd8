#!/usr/bin/env node
// The `ic-websocket` command. In the published package it runs the bundle in dist/; in this repository (where src/
// sits next to it and the bundle is not built) it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
    const { register } = await import('tsx/esm/api');
    register();
    await import(source.href);
} else {
    await import(new URL('../dist/cli.js', import.meta.url).href);
}
