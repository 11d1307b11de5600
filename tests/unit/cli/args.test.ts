import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_SERVICE, LOCAL_SERVICE, parseCommand, UsageError } from '../../../src/cli/args.ts';

const env = { HOME: '/home/u' };

test('commands parse with their options and defaults', () => {
  assert.deepEqual(parseCommand(['listen', '--json', '--data-dir', '/d', '--service', 'ws://127.0.0.1:9/'], env), {
    name: 'listen',
    json: true,
    common: { dataDir: '/d', service: 'ws://127.0.0.1:9/', verbose: false },
  });
  const sub = parseCommand(['subscribe', '--label', 'x'], { XDG_DATA_HOME: '/xdg' });
  assert.equal(sub.name, 'subscribe');
  if (sub.name === 'subscribe') {
    assert.equal(sub.common.dataDir, '/xdg/push-agent');
    assert.equal(sub.common.service, DEFAULT_SERVICE);
  }
  assert.deepEqual(parseCommand(['unsubscribe', 'abc', '--data-dir', '/d'], env), {
    name: 'unsubscribe',
    id: 'abc',
    common: { dataDir: '/d', service: DEFAULT_SERVICE, verbose: false },
  });
  assert.equal(parseCommand(['--help'], env).name, 'help');
});

test('send: the target, an optional text, and --json as the payload file (with a value) or the answer as JSON (bare)', () => {
  const common = { dataDir: '/d', service: DEFAULT_SERVICE, verbose: false };
  const base = {
    name: 'send',
    common,
    text: null,
    title: null,
    payloadFile: null,
    ttl: null,
    urgency: null,
    topic: null,
    vapidKeys: null,
    vapidSubject: null,
    json: false,
    timeoutSeconds: null,
  };
  assert.deepEqual(parseCommand(['send', 'abc', 'hello there', '--data-dir', '/d'], env), {
    ...base,
    target: 'abc',
    text: 'hello there',
  });
  assert.deepEqual(parseCommand(['send', 'abc', '--json', 'p.json', '--data-dir', '/d'], env), {
    ...base,
    target: 'abc',
    payloadFile: 'p.json',
  });
  assert.deepEqual(parseCommand(['send', 'abc', '--json=p.json', '--json', '--data-dir', '/d'], env), {
    ...base,
    target: 'abc',
    payloadFile: 'p.json',
    json: true,
  });
  assert.deepEqual(
    parseCommand(
      [
        'send',
        '-',
        'hi',
        '--json',
        '--title',
        'T',
        '--ttl',
        '60',
        '--urgency',
        'low',
        '--topic',
        'a_b-1',
        '--timeout',
        '2.5',
        '--data-dir',
        '/d',
      ],
      env,
    ),
    {
      ...base,
      target: '-',
      text: 'hi',
      title: 'T',
      json: true,
      ttl: 60,
      urgency: 'low',
      topic: 'a_b-1',
      timeoutSeconds: 2.5,
    },
  );
  assert.deepEqual(parseCommand(['status', '--timeout', '3', '--data-dir', '/d'], env), {
    name: 'status',
    common,
    json: false,
    timeoutSeconds: 3,
  });
});

test("'local' selects the embedded push service, from --service or PUSH_AGENT_SERVICE", () => {
  const flag = parseCommand(['listen', '--service', 'local', '--data-dir', '/d'], env);
  assert.equal(flag.name === 'listen' && flag.common.service, LOCAL_SERVICE);
  const fromEnv = parseCommand(['subscribe', '--data-dir', '/d'], { ...env, PUSH_AGENT_SERVICE: 'local' });
  assert.equal(fromEnv.name === 'subscribe' && fromEnv.common.service, LOCAL_SERVICE);
  // The flag wins over the environment; other words are still refused.
  const both = parseCommand(['status', '--service', 'ws://127.0.0.1:9/', '--data-dir', '/d'], {
    ...env,
    PUSH_AGENT_SERVICE: 'local',
  });
  assert.equal(both.name === 'status' && both.common.service, 'ws://127.0.0.1:9/');
  for (const word of ['Local', 'localhost', 'embedded'])
    assert.throws(() => parseCommand(['listen', '--service', word], env), UsageError, word);
});

test('bad arguments are UsageErrors with one line', () => {
  for (const args of [
    [],
    ['x'],
    ['list', '--label', 'a'],
    ['listen', 'extra'],
    ['unsubscribe'],
    ['listen', '--service', 'http://a'],
    ['listen', '--service', '::'],
    ['subscribe', '--origin', 'ftp://a'],
    ['subscribe', '--label', ''],
    ['send'],
    ['send', 'a', 'b', 'c'],
    ['send', 'a', '--json', 'f', '--json', 'g'],
    ['send', 'a', 'text', '--json', 'f'],
    ['send', '-', '--json', '-'],
    ['send', 'a', '--urgency', 'now'],
    ['send', 'a', '--topic', 'x'.repeat(33)],
    ['send', 'a', '--ttl', '1.5'],
    ['list', '--timeout', '1'],
    ['status', '--timeout', 'soon'],
    ['status', '--timeout', '-1'],
    ['listen', '--ttl', '1'],
  ]) {
    assert.throws(
      () => parseCommand(args, env),
      (e: unknown) => e instanceof UsageError && !e.message.includes('\n'),
      args.join(' '),
    );
  }
});

test('fuzz: any argv is a command or a UsageError', () => {
  const token = fc.oneof(
    fc.constantFrom(
      'subscribe',
      'listen',
      'list',
      'unsubscribe',
      'status',
      'send',
      '--title',
      '--timeout',
      '--urgency',
      '--json=',
      '-',
      '--json',
      '--label',
      '--data-dir',
      '--service',
      '--origin',
      '--application-server-key',
      '-h',
      '--',
      'ws://a/',
    ),
    fc.string(),
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
      try {
        parseCommand(argv, env);
      } catch (e) {
        assert.ok(e instanceof UsageError, String(e));
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 5000) },
  );
});

test('an empty --data-dir or PUSH_AGENT_DATA_DIR is refused, never the current directory', () => {
  assert.throws(
    () => parseCommand(['list', '--data-dir', ''], env),
    (e: unknown) => e instanceof UsageError && /data-dir/.test(e.message),
  );
  assert.throws(
    () => parseCommand(['listen'], { ...env, PUSH_AGENT_DATA_DIR: '' }),
    (e: unknown) => e instanceof UsageError && /PUSH_AGENT_DATA_DIR/.test(e.message),
  );
  assert.throws(() => parseCommand(['listen', '--data-dir', '   '], env), UsageError);
});

test('site add, list, remove parse with their flags; --browser also on listen', () => {
  const env = {};
  const common = { dataDir: '/d', service: 'ws://127.0.0.1:9/', verbose: false };
  const base = ['--data-dir', '/d', '--service', 'ws://127.0.0.1:9/'];
  assert.deepEqual(
    parseCommand(
      [
        'site',
        'add',
        'https://example.com',
        '--allow-notifications',
        '--headless',
        '--close-after',
        '2.5',
        '--browser',
        '/b',
        ...base,
      ],
      env,
    ),
    {
      name: 'site-add',
      common,
      url: 'https://example.com/',
      allowNotifications: true,
      headless: true,
      closeAfterSeconds: 2.5,
      browser: '/b',
    },
  );
  assert.deepEqual(parseCommand(['site', 'add', 'http://a.localhost:8/x', ...base], env), {
    name: 'site-add',
    common,
    url: 'http://a.localhost:8/x',
    allowNotifications: false,
    headless: false,
    closeAfterSeconds: null,
    browser: null,
  });
  assert.deepEqual(parseCommand(['site', 'list', '--json', ...base], env), { name: 'site-list', common, json: true });
  assert.deepEqual(parseCommand(['site', 'remove', 'https://www.example.com/some/path', ...base], env), {
    name: 'site-remove',
    common,
    origin: 'https://www.example.com',
    browser: null,
  });
  assert.deepEqual(parseCommand(['listen', '--browser', '/b', ...base], env), {
    name: 'listen',
    common,
    json: false,
    browser: '/b',
  });
  for (const bad of [
    ['site'],
    ['site', 'frob'],
    ['site', 'add'],
    ['site', 'add', 'ftp://x/'],
    ['site', 'add', 'not a url'],
    ['site', 'add', 'https://a/', 'https://b/'],
    ['site', 'add', 'https://a/', '--close-after', '0'],
    ['site', 'add', 'https://a/', '--close-after', 'soon'],
    ['site', 'add', 'https://a/', '--json'],
    ['site', 'list', '--headless'],
    ['site', 'remove'],
    ['site', 'remove', 'mailto:x@y'],
    ['site', 'remove', 'https://a/', '--headless'],
    ['subscribe', '--headless'],
    ['list', '--browser', '/b'],
    ['listen', '--browser', ''],
  ]) {
    assert.throws(() => parseCommand(bad, env), UsageError, bad.join(' '));
  }
});
