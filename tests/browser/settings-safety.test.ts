// Static guarantees of the settings window that a browser run cannot prove by example: no HTML-parsing sink
// anywhere in src/renderer (payload text can never become markup), a strict CSP with nothing inline, and a
// send command that survives any shell-hostile text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendCommand, shellQuote } from '../../src/renderer/send-command.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rendererDir = path.join(root, 'src/renderer');

function rendererSources(): Array<[string, string]> {
  return fs
    .readdirSync(rendererDir)
    .filter((f) => /\.(ts|html)$/.test(f))
    .map((f) => [f, fs.readFileSync(path.join(rendererDir, f), 'utf8')]);
}

test('no HTML-parsing sink appears anywhere in src/renderer', () => {
  const sinks =
    /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc)\b|\bnew Function\b|\beval\(/;
  const found = rendererSources()
    .filter(([, text]) => sinks.test(text.replace(/\/\/.*$/gm, '')))
    .map(([f]) => f);
  assert.deepEqual(found, []);
  // The check itself can fail: it finds a sink in a sample.
  assert.ok(sinks.test('el.innerHTML = x'));
});

test('settings.html has a strict CSP and nothing inline to allow', () => {
  const html = fs.readFileSync(path.join(rendererDir, 'settings.html'), 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v]),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('style-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'none'"]);
  assert.ok(!/unsafe-|\*/.test(csp), csp);
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'inline <script>');
  assert.ok(!/<style\b/.test(html), 'inline <style>');
  assert.ok(!/\s(on[a-z]+|style)=/.test(html), 'inline handler or style attribute');
});

test('the web-push send command quotes hostile text so a shell runs it as given', () => {
  const json = {
    id: 'x',
    endpoint: 'https://push.example/wpush/v2/abc',
    expirationTime: null,
    keys: { p256dh: 'BAbc-_1', auth: 'aut-h_' },
  };
  const hostile = `it's $(touch /tmp/pwned) \`id\` "quoted" \\ ; done`;
  const cmd = sendCommand(json, null, hostile);
  assert.match(
    cmd,
    /^npx web-push send-notification \\\n {2}--endpoint=https:\/\/push\.example\/wpush\/v2\/abc \\\n {2}--key=BAbc-_1 \\\n {2}--auth=aut-h_ \\\n {2}--payload=/,
  );
  // A real shell parses the payload argument back to exactly the hostile text.
  const printed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(hostile)}`], { encoding: 'utf8' });
  assert.equal(printed, hostile);
  assert.doesNotMatch(cmd, /--vapid/);
});

test('an endpoint with an application server key gets the VAPID flags web-push needs', () => {
  const json = {
    id: 'x',
    endpoint: 'https://push.example/e',
    expirationTime: null,
    keys: { p256dh: 'B1', auth: 'a1' },
  };
  const cmd = sendCommand(json, 'BPubKey_-');
  assert.match(cmd, /--vapid-subject=mailto:you@example\.com/);
  assert.match(cmd, /--vapid-pubkey=BPubKey_-/);
  assert.match(cmd, /--vapid-pvtkey=YOUR_PRIVATE_KEY/);
  // Flags as node_modules/web-push/src/cli.js spells them.
  const cli = fs.readFileSync(path.join(root, 'node_modules/web-push/src/cli.js'), 'utf8');
  for (const flag of [
    '--endpoint=',
    '--key=',
    '--auth=',
    '--payload=',
    '--vapid-subject=',
    '--vapid-pubkey=',
    '--vapid-pvtkey=',
  ])
    assert.ok(cli.includes(flag), flag);
});
