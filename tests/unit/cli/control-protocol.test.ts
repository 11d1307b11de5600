// The control socket's line framing: lines split anywhere by the transport come out whole, multi-byte characters
// included, and a line past the limit is reported once, however it arrives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineSplitter, MAX_LINE_BYTES } from '../../../src/cli/control-protocol.ts';

function split(chunks: Buffer[]) {
  const lines: string[] = [];
  let tooLong = 0;
  const feed = lineSplitter((l) => lines.push(l), () => tooLong++);
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
  assert.deepEqual(split([Buffer.concat([Buffer.alloc(MAX_LINE_BYTES, 'x'), Buffer.from('\n')])]).lines.map((l) => l.length), [MAX_LINE_BYTES]);
  const big = Buffer.alloc(MAX_LINE_BYTES + 1, 'x');
  assert.deepEqual(split([big]), { lines: [], tooLong: 1 });
  const pieces = Array.from({ length: 100 }, () => Buffer.alloc(1024, 'y'));
  assert.deepEqual(split([...pieces, Buffer.from('\n{"after":1}\n')]), { lines: [], tooLong: 1 });
  // A complete short line before the long one is still delivered.
  assert.deepEqual(split([Buffer.from('{"ok":1}\n'), big]), { lines: ['{"ok":1}'], tooLong: 1 });
});
