// The control socket's line framing: lines split anywhere by the transport come out whole, multi-byte characters
// included, and a line past the limit is reported once, however it arrives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineSplitter, MAX_LINE_BYTES } from '../../../src/cli/control-protocol.ts';

function split(chunks: Buffer[]) {
  const lines: string[] = [];
  let tooLong = 0;
  const feed = lineSplitter(
    (l) => lines.push(l),
    () => tooLong++,
  );
  for (const c of chunks) feed(c);
  return { lines, tooLong };
}

test('lines come out whole, whatever the chunking (a multi-byte character cut in two included)', () => {
  const text = Buffer.from('{"a":"é€😀"}\n\n{"b":2}\n{"c"');
  for (let cut = 1; cut < text.length; cut++) {
    const { lines, tooLong } = split([text.subarray(0, cut), text.subarray(cut)]);
    assert.deepEqual(lines, ['{"a":"é€😀"}', '', '{"b":2}'], `cut at ${cut}`);
    assert.equal(tooLong, 0);
  }
});

test('a line of exactly the limit passes; one byte more is reported once, in one chunk or many', () => {
  assert.deepEqual(
    split([Buffer.concat([Buffer.alloc(MAX_LINE_BYTES, 'x'), Buffer.from('\n')])]).lines.map((l) => l.length),
    [MAX_LINE_BYTES],
  );
  const big = Buffer.alloc(MAX_LINE_BYTES + 1, 'x');
  assert.deepEqual(split([big]), { lines: [], tooLong: 1 });
  const pieces = Array.from({ length: 100 }, () => Buffer.alloc(1024, 'y'));
  assert.deepEqual(split([...pieces, Buffer.from('\n{"after":1}\n')]), { lines: [], tooLong: 1 });
  // A complete short line before the long one is still delivered.
  assert.deepEqual(split([Buffer.from('{"ok":1}\n'), big]), { lines: ['{"ok":1}'], tooLong: 1 });
});

test("the client reads a listener's answer longer than the request limit (list --json of a thousand subscriptions)", async (t) => {
  // Found by the scale bench: `list --json` through a running listen with 1,000 subscriptions answered ~600 KiB and
  // the client gave up at the 64 KiB meant for requests. The listener is the user's own (its socket is checked).
  const { ControlClient } = await import('../../../src/cli/control-client.ts');
  const net = await import('node:net');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'push-agent-ctl-'));
  const socketPath = path.join(dir, 'c.sock');
  const big = Array.from({ length: 2_000 }, (_, i) => ({ id: `${i}`.padStart(36, '0'), label: 'x'.repeat(400) }));
  const server = net.createServer((s) =>
    s.on('data', (d) => s.write(`${JSON.stringify({ id: JSON.parse(d.toString()).id, ok: true, result: big })}\n`)),
  );
  await new Promise<void>((r) => server.listen(socketPath, () => r()));
  t.after(() => server.close());
  const client = await ControlClient.connect(socketPath);
  t.after(() => client.close());
  const answer = (await client.request('list')) as unknown[];
  assert.ok(JSON.stringify(big).length > MAX_LINE_BYTES * 10);
  assert.equal(answer.length, 2_000);
});
