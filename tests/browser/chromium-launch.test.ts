// launchChromium's close() returns once the browser exited, also when the browser wrote more to stderr after its
// DevTools line (Chromium does, under load: warnings a few ms after start). Real Chromium cannot be made to write at
// that moment on demand, so the browser here is a stand-in script: it prints the DevTools line of a WebSocket server
// in this test (a real ws server the real chrome-remote-interface connects to), one more stderr line, then waits to
// be killed, ignoring Browser.close as a hung browser would; close() kills it after 5 s.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { launchChromium } from '../../src/chromium-host/launch.ts';
import { tempDir } from '../support/engine-harness.ts';

test(
  'close() returns after the browser exits, also when it wrote to stderr after its DevTools line',
  { timeout: 60_000 },
  async () => {
    // chrome-remote-interface first asks for the protocol descriptor over HTTP, as Chromium's endpoint serves it.
    const descriptor = fs.readFileSync(
      createRequire(import.meta.url).resolve('chrome-remote-interface/lib/protocol.json'),
    );
    const server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(descriptor),
    );
    const wss = new WebSocketServer({ server });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = tempDir();
    const script = path.join(dir, 'browser');
    fs.writeFileSync(
      script,
      `#!/bin/sh\necho "DevTools listening on ws://127.0.0.1:${port}/devtools/browser/x" >&2\nsleep 0.3\necho "a warning after start" >&2\nexec sleep 600\n`,
      { mode: 0o755 },
    );
    const browser = await launchChromium({ executablePath: script, userDataDir: dir });
    await new Promise((r) => setTimeout(r, 600)); // the second stderr line has arrived
    const closed = await Promise.race([
      browser.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still waiting after 15 s'), 15_000)),
    ]);
    wss.close();
    server.close();
    assert.equal(closed, 'closed');
    assert.equal(browser.process.signalCode, 'SIGKILL');
  },
);
