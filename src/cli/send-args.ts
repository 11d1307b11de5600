// Arguments of `push-agent send`. Pure: argv tokens -> a send command or a UsageError (exit 2).
// `--json` means two things here, told apart by position: `--json <file>` (a value right after it) is the payload
// file, a bare `--json` asks for the answer as JSON.
import type { Common } from './args.ts';
import { UsageError } from './usage-error.ts';

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';
const URGENCIES: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];

export interface SendCommand {
  name: 'send';
  common: Common;
  /** A subscription id, a file holding subscription JSON, or `-` for standard input. */
  target: string;
  text: string | null;
  title: string | null;
  /** `--json <file>`: the payload, sent as is. */
  payloadFile: string | null;
  ttl: number | null;
  urgency: Urgency | null;
  topic: string | null;
  vapidKeys: string | null;
  vapidSubject: string | null;
  /** Bare `--json`: print the status and headers as JSON. */
  json: boolean;
  timeoutSeconds: number | null;
}

export const SEND_OPTIONS = {
  title: { type: 'string' },
  ttl: { type: 'string' },
  urgency: { type: 'string' },
  topic: { type: 'string' },
  'vapid-keys': { type: 'string' },
  'vapid-subject': { type: 'string' },
} as const;

export const SEND_HELP = `  send <id | file | -> [text]  send a Web Push message through the push service and print its answer
                   (exit 0 on 201 Created, 1 on any other answer or no answer)
                   --title <text>                     send {"title": <text>, "body": <text argument>} as JSON
                   --json <file>                      send the file's bytes as the payload, as is
                   --json                             (bare) print the answer's status and headers as JSON
                   --ttl <s>  --urgency <very-low|low|normal|high>  --topic <name>
                   --vapid-keys <file>                {"publicKey","privateKey"} (web-push generate-vapid-keys --json);
                                                      needed for endpoints bound to an application server key.
                                                      Default: a key pair made once and kept in the data dir
                   --vapid-subject <mailto: or https: URL>  the contact in the VAPID claim`;

interface Token {
  kind: 'option' | 'positional' | 'option-terminator';
  index: number;
  name?: string;
  value?: string | undefined;
}

export interface SendInput {
  common: Common;
  values: Record<string, string | boolean | undefined>;
  /** The tokens of parseArgs({ tokens: true }) over the whole argv. */
  tokens: readonly Token[];
  positionals: readonly string[];
  timeoutSeconds: number | null;
}

export function parseSend({ common, values: v, tokens, timeoutSeconds }: SendInput): SendCommand {
  for (const opt of ['label', 'application-server-key', 'origin']) {
    if (v[opt] !== undefined) throw new UsageError(`--${opt} does not apply to 'send'`);
  }
  // Positionals in order, minus the command name and the file that follows a `--json`.
  const payloadFiles: string[] = [];
  const args: string[] = [];
  let json = false;
  let sawCommand = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'option' && t.name === 'json') {
      const next = tokens[i + 1];
      if (next?.kind === 'positional' && next.index === t.index + 1) {
        payloadFiles.push(next.value!);
        i++;
      } else {
        json = true;
      }
    } else if (t.kind === 'positional') {
      if (!sawCommand) sawCommand = true;
      else args.push(t.value!);
    }
  }
  if (payloadFiles.length > 1) throw new UsageError('give one --json <file>');
  const [target, text, ...extra] = args;
  if (target === undefined || target === '')
    throw new UsageError(
      "send needs a subscription: its id, a file with its JSON, or '-' to read the JSON from standard input",
    );
  if (extra.length) throw new UsageError('send takes a subscription and at most one text (quote a text with spaces)');
  const payloadFile = payloadFiles[0] ?? null;
  const title = str(v.title);
  if (payloadFile !== null && (text !== undefined || title !== null))
    throw new UsageError('--json <file> is the whole payload: it does not combine with a text or --title');
  if (payloadFile === '-' && target === '-')
    throw new UsageError("only one of the subscription and the --json payload can come from standard input ('-')");
  if (title !== null && (title.length === 0 || title.length > 1000))
    throw new UsageError('--title must be 1 to 1000 characters');

  let ttl: number | null = null;
  if (v.ttl !== undefined) {
    ttl = Number(v.ttl);
    if (!/^\d+$/.test(String(v.ttl)) || ttl > 2_419_200)
      throw new UsageError('--ttl must be a whole number of seconds from 0 to 2419200 (28 days)');
  }
  const urgency = str(v.urgency);
  if (urgency !== null && !URGENCIES.includes(urgency as Urgency))
    throw new UsageError(`--urgency must be one of ${URGENCIES.join(', ')}`);
  const topic = str(v.topic);
  if (topic !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(topic))
    throw new UsageError('--topic must be 1 to 32 characters of A-Z, a-z, 0-9, - and _');
  const vapidSubject = str(v['vapid-subject']);
  if (vapidSubject !== null && !/^(mailto:.+|https:\/\/.+)$/.test(vapidSubject))
    throw new UsageError('--vapid-subject must be a mailto: or https: URL');
  const vapidKeys = str(v['vapid-keys']);
  if (vapidKeys === '') throw new UsageError('--vapid-keys needs a file');

  return {
    name: 'send',
    common,
    target,
    text: text ?? null,
    title,
    payloadFile,
    ttl,
    urgency: urgency as Urgency | null,
    topic,
    vapidKeys,
    vapidSubject,
    json,
    timeoutSeconds,
  };
}

function str(value: string | boolean | undefined): string | null {
  return typeof value === 'string' ? value : null;
}
