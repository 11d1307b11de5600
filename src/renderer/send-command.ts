// The ready-to-run command that sends a test message to an endpoint, for that endpoint's service: `push-agent send`
// for plain-http endpoints (the local and embedded services: the `web-push` command sends over https only and
// fails there with EPROTO), the `web-push` command (flags of node_modules/web-push/src/cli.js) for https services.

import type { SubscriptionJSONView } from '../shared/settings-api.ts';

/** POSIX shell single-quoting: safe for any text, including quotes and `$`. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface TestCommand {
  /** What the command runs, for the heading: `push-agent send` or `web-push`. */
  tool: 'push-agent send' | 'web-push';
  command: string;
}

/** The command that works as shown for this endpoint's service. */
export function testCommand(json: SubscriptionJSONView, applicationServerKey: string | null | undefined): TestCommand {
  if (json.endpoint.startsWith('http:'))
    return { tool: 'push-agent send', command: pushAgentSendCommand(json, applicationServerKey) };
  return { tool: 'web-push', command: sendCommand(json, applicationServerKey) };
}

/** `push-agent send` with the subscription JSON on standard input: needs no data dir, works beside a running agent. */
export function pushAgentSendCommand(
  json: SubscriptionJSONView,
  applicationServerKey: string | null | undefined,
  payload = 'Hello from push-agent send',
): string {
  const sub = JSON.stringify({ endpoint: json.endpoint, expirationTime: json.expirationTime, keys: json.keys });
  const send = ['push-agent send -', shellQuote(payload)];
  // An endpoint made with an application server key accepts only messages signed with the matching key pair.
  if (applicationServerKey) send.push('--vapid-keys YOUR_VAPID_KEYS.json');
  return `echo ${shellQuote(sub)} \
  | ${send.join(' ')}`;
}

export function sendCommand(
  json: SubscriptionJSONView,
  applicationServerKey: string | null | undefined,
  payload = 'Hello from web-push',
): string {
  const lines = [
    'npx web-push send-notification',
    `--endpoint=${shellQuote(json.endpoint)}`,
    `--key=${shellQuote(json.keys.p256dh)}`,
    `--auth=${shellQuote(json.keys.auth)}`,
    `--payload=${shellQuote(payload)}`,
  ];
  // An endpoint made with an application server key accepts only messages signed with the matching private key.
  if (applicationServerKey) {
    lines.push(
      '--vapid-subject=mailto:you@example.com',
      `--vapid-pubkey=${shellQuote(applicationServerKey)}`,
      '--vapid-pvtkey=YOUR_PRIVATE_KEY',
    );
  }
  return lines.join(' \\\n  ');
}
