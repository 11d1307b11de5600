// Command-line arguments of `push-agent`. Pure: parses argv into a command or a one-line usage error.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.ts';
import { parseSend, SEND_HELP, SEND_OPTIONS, type SendCommand } from './send-args.ts';
import { EMBEDDED_SERVICE } from '../shared/service-choice.ts';

export const DEFAULT_SERVICE = 'wss://push.services.mozilla.com/';
/** `--service local`: run the push service inside the agent (src/push-service/embedded.ts), state in the data dir. */
export const LOCAL_SERVICE = EMBEDDED_SERVICE;

export type Command =
  | { name: 'help' }
  | { name: 'version' }
  | {
      name: 'subscribe';
      common: Common;
      label?: string;
      applicationServerKey?: string;
      origin?: string;
      timeoutSeconds?: number;
    }
  | { name: 'listen'; common: Common; json: boolean; browser?: string }
  | {
      name: 'site-add';
      common: Common;
      url: string;
      allowNotifications: boolean;
      headless: boolean;
      closeAfterSeconds: number | null;
      browser: string | null;
    }
  | { name: 'site-list'; common: Common; json: boolean }
  | { name: 'site-remove'; common: Common; origin: string; browser: string | null }
  | { name: 'list'; common: Common; json: boolean }
  | { name: 'unsubscribe'; common: Common; id: string; timeoutSeconds?: number }
  | { name: 'status'; common: Common; json: boolean; timeoutSeconds?: number }
  | SendCommand;

export interface Common {
  dataDir: string;
  /** A ws:// or wss:// URL, or LOCAL_SERVICE: the push service embedded in this process. */
  service: string;
  verbose: boolean;
}

export { UsageError };

export const HELP = `push-agent: receive Web Push messages on this machine, without a browser.

Usage: push-agent <command> [options]

Commands:
  subscribe      create an endpoint and print its subscription JSON, then exit
                   --label <text>                     a name for it (shown as the title of plain-text messages)
                   --application-server-key <b64url>  bind it to a VAPID key (65-byte P-256 public key)
                   --origin <url>                     the https origin it belongs to
  listen         stay connected and show messages as they arrive (SIGINT/SIGTERM to stop); runs the
                 service workers of added sites in the agent's browser, headless, when a push needs them
                   --json                             one JSON object per line on stdout
                   --browser <path>                   the Chromium to run (default: $PUSH_AGENT_BROWSER,
                                                      else chromium or chromium-browser on the PATH)
  site add <url> open the site in the agent's browser so its own "enable notifications" subscribes here;
                 when the window closes, print each subscription of the origin it ended on (JSON lines)
                   --allow-notifications              grant the site's notification permission, no prompt
                   --headless                         no window (with --close-after, or the page closes itself)
                   --close-after <s>                  close the window after <s> seconds
                   --browser <path>                   as for listen
  site list      the added sites: origin, scope, subscription id  [--json]
  site remove <origin>  unsubscribe the origin's subscriptions and clear its service workers and storage
                 from the agent's browser profile    [--browser <path>]
  list           list subscriptions                   [--json]
  unsubscribe <id>  remove a subscription and unregister it at the push service
  status         one line: running or not, connected or not, messages handled, subscriptions waiting
                 for re-registration                  [--json]
${SEND_HELP}

Options for every command:
  --data-dir <dir>   where state lives (default: $PUSH_AGENT_DATA_DIR or ~/.local/share/push-agent)
  --service <ws url | local>
                     push service WebSocket URL (default: $PUSH_AGENT_SERVICE or ${DEFAULT_SERVICE});
                     'local' runs a push service inside the agent on 127.0.0.1 (offline use, one machine)
  --verbose          log to stderr (never keys, secrets, endpoints or payloads)
  --timeout <s>      subscribe, unsubscribe, send, status: give up after <s> seconds (exit 1)
  -h, --help         this help;  --version  the version

Exit codes: 0 ok, 1 failure, 2 bad arguments, 3 data dir in use by another push-agent.`;

const COMMANDS = new Set(['subscribe', 'listen', 'list', 'unsubscribe', 'status', 'send', 'site']);
const TIMED = new Set(['subscribe', 'unsubscribe', 'status', 'send']);

export function parseCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Command {
  let parsed;
  try {
    parsed = parseArgs({
      // `--json=<file>` is send's payload file; as two tokens it is told apart from the bare `--json` flag.
      args: argv.flatMap((a) => (a.startsWith('--json=') ? ['--json', a.slice('--json='.length)] : [a])),
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        'data-dir': { type: 'string' },
        service: { type: 'string' },
        label: { type: 'string' },
        'application-server-key': { type: 'string' },
        origin: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        timeout: { type: 'string' },
        'allow-notifications': { type: 'boolean' },
        headless: { type: 'boolean' },
        'close-after': { type: 'string' },
        browser: { type: 'string' },
        ...SEND_OPTIONS,
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const { values: v, positionals, tokens } = parsed;
  if (v.help) return { name: 'help' };
  if (v.version) return { name: 'version' };
  const [name, ...rest] = positionals;
  if (!name) throw new UsageError('no command given (try --help)');
  if (!COMMANDS.has(name)) throw new UsageError(`unknown command '${name}' (try --help)`);

  const service = v.service ?? env.PUSH_AGENT_SERVICE ?? DEFAULT_SERVICE;
  // An empty value would resolve to the current directory: state would land wherever the command ran.
  if (v['data-dir'] !== undefined && v['data-dir'].trim() === '') throw new UsageError('--data-dir must not be empty');
  if (v['data-dir'] === undefined && env.PUSH_AGENT_DATA_DIR !== undefined && env.PUSH_AGENT_DATA_DIR.trim() === '') {
    throw new UsageError('PUSH_AGENT_DATA_DIR is set but empty; unset it or name a directory');
  }
  const dataDir = path.resolve(
    v['data-dir'] ??
      env.PUSH_AGENT_DATA_DIR ??
      path.join(env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'push-agent'),
  );
  const common: Common = { dataDir, service: serviceChoice(service), verbose: v.verbose === true };
  if (v.timeout !== undefined && !TIMED.has(name)) throw new UsageError(`--timeout does not apply to '${name}'`);
  const timeoutSeconds = v.timeout === undefined ? null : Number(v.timeout);
  if (timeoutSeconds !== null && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 86_400)) {
    throw new UsageError('--timeout must be a number of seconds, above 0 and at most 86400');
  }
  const timed = timeoutSeconds !== null ? { timeoutSeconds } : {};
  if (name === 'send') return parseSend({ common, values: v, positionals: rest, tokens, timeoutSeconds });
  for (const opt of Object.keys(SEND_OPTIONS)) {
    if ((v as Record<string, unknown>)[opt] !== undefined) throw new UsageError(`--${opt} does not apply to '${name}'`);
  }

  if (name === 'site') return parseSite(common, v, rest);
  for (const opt of SITE_OPTIONS)
    if (v[opt] !== undefined && !(opt === 'browser' && name === 'listen'))
      throw new UsageError(`--${opt} does not apply to '${name}'`);

  const allowed: Record<string, string[]> = {
    subscribe: ['label', 'application-server-key', 'origin'],
    listen: ['json'],
    list: ['json'],
    status: ['json'],
    unsubscribe: [],
  };
  for (const opt of ['label', 'application-server-key', 'origin', 'json'] as const) {
    if (v[opt] !== undefined && !allowed[name]!.includes(opt))
      throw new UsageError(`--${opt} does not apply to '${name}'`);
  }
  const positionalCount = name === 'unsubscribe' ? 1 : 0;
  if (rest.length !== positionalCount) {
    throw new UsageError(
      name === 'unsubscribe' ? 'unsubscribe takes exactly one subscription id' : `'${name}' takes no arguments`,
    );
  }

  switch (name) {
    case 'subscribe': {
      const key = v['application-server-key'];
      if (key !== undefined && !/^[A-Za-z0-9_-]{86,87}=?$/.test(key))
        throw new UsageError('--application-server-key must be a base64url P-256 public key (65 bytes)');
      if (v.label !== undefined && (v.label.length === 0 || v.label.length > 200))
        throw new UsageError('--label must be 1 to 200 characters');
      if (v.origin !== undefined && !/^https?:\/\//.test(v.origin))
        throw new UsageError('--origin must be an http(s) URL');
      return {
        name,
        common,
        ...(v.label ? { label: v.label } : {}),
        ...(key ? { applicationServerKey: key } : {}),
        ...(v.origin ? { origin: v.origin } : {}),
        ...timed,
      };
    }
    case 'listen':
      return {
        name,
        common,
        json: v.json === true,
        ...(v.browser !== undefined ? { browser: browserFlag(v.browser)! } : {}),
      };
    case 'list':
      return { name, common, json: v.json === true };
    case 'status':
      return { name, common, json: v.json === true, ...timed };
    default:
      return { name: 'unsubscribe', common, id: rest[0]!, ...timed };
  }
}

const SITE_OPTIONS = ['allow-notifications', 'headless', 'close-after', 'browser'] as const;

function browserFlag(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.trim() === '') throw new UsageError('--browser must name a Chromium binary');
  return value;
}

/** `site add <url>`, `site list`, `site remove <origin>`. */
function parseSite(common: Common, v: Record<string, string | boolean | undefined>, rest: string[]): Command {
  const [sub, ...args] = rest;
  const only = (cmd: string, options: readonly string[]) => {
    for (const opt of ['label', 'application-server-key', 'origin', 'json', ...SITE_OPTIONS]) {
      if (v[opt] !== undefined && !options.includes(opt))
        throw new UsageError(`--${opt} does not apply to 'site ${cmd}'`);
    }
  };
  const httpUrl = (value: string | undefined, what: string): URL => {
    let url: URL | null = null;
    try {
      url = value !== undefined ? new URL(value) : null;
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || value!.length > 2048)
      throw new UsageError(`${what} must be an http(s) URL`);
    return url;
  };
  switch (sub) {
    case 'add': {
      only('add', ['allow-notifications', 'headless', 'close-after', 'browser']);
      if (args.length !== 1) throw new UsageError('site add takes exactly one URL');
      const url = httpUrl(args[0], 'site add: the URL');
      const closeAfter = v['close-after'] === undefined ? null : Number(v['close-after']);
      if (closeAfter !== null && !(Number.isFinite(closeAfter) && closeAfter > 0 && closeAfter <= 86_400)) {
        throw new UsageError('--close-after must be a number of seconds, above 0 and at most 86400');
      }
      return {
        name: 'site-add',
        common,
        url: url.href,
        allowNotifications: v['allow-notifications'] === true,
        headless: v.headless === true,
        closeAfterSeconds: closeAfter,
        browser: browserFlag(v.browser as string | undefined),
      };
    }
    case 'list':
      only('list', ['json']);
      if (args.length !== 0) throw new UsageError("'site list' takes no arguments");
      return { name: 'site-list', common, json: v.json === true };
    case 'remove': {
      only('remove', ['browser']);
      if (args.length !== 1) throw new UsageError('site remove takes exactly one origin');
      return {
        name: 'site-remove',
        common,
        origin: httpUrl(args[0], 'site remove: the origin').origin,
        browser: browserFlag(v.browser as string | undefined),
      };
    }
    default:
      throw new UsageError(
        sub === undefined
          ? "'site' needs a subcommand: add, list or remove"
          : `unknown site subcommand '${sub}' (add, list, remove)`,
      );
  }
}

/** `local`, or a ws(s) URL in its normal form; anything else is a usage error. */
function serviceChoice(service: string): string {
  if (service === LOCAL_SERVICE) return LOCAL_SERVICE;
  let url: URL;
  try {
    url = new URL(service);
  } catch {
    throw new UsageError(`--service: '${service}' is not a URL or 'local'`);
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:')
    throw new UsageError("--service must be a ws:// or wss:// URL, or 'local'");
  return url.href;
}
