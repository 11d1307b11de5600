// The ready-to-run `web-push` command for an endpoint (flags of node_modules/web-push/src/cli.js). Note: the web-push
// CLI sends over https only, so against the plain-http local test service the command is shown but cannot succeed.

import type { SubscriptionJSONView } from '../shared/settings-api.ts';

/** POSIX shell single-quoting: safe for any text, including quotes and `$`. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function sendCommand(json: SubscriptionJSONView, applicationServerKey: string | null | undefined, payload = 'Hello from web-push'): string {
  const lines = [
    'npx web-push send-notification',
    `--endpoint=${shellQuote(json.endpoint)}`,
    `--key=${shellQuote(json.keys.p256dh)}`,
    `--auth=${shellQuote(json.keys.auth)}`,
    `--payload=${shellQuote(payload)}`,
  ];
  // An endpoint made with an application server key accepts only messages signed with the matching private key.
  if (applicationServerKey) {
    lines.push('--vapid-subject=mailto:you@example.com', `--vapid-pubkey=${shellQuote(applicationServerKey)}`, '--vapid-pvtkey=YOUR_PRIVATE_KEY');
  }
  return lines.join(' \\\n  ');
}
