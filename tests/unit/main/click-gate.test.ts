import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATION_LIFESPAN_MS, ClickGate } from '../../../src/main/click-gate.ts';

test('one window per click: an activating input allows one open, within the activation lifespan', () => {
  let now = 0;
  const gate = new ClickGate(() => now);
  assert.equal(gate.take(), false, 'no input yet');
  gate.input('mouseMove');
  gate.input('mouseWheel');
  assert.equal(gate.take(), false, 'moving and scrolling are no click');
  gate.input('mouseDown');
  assert.equal(gate.take(), true);
  for (let i = 0; i < 99; i++) assert.equal(gate.take(), false, 'the other 99 window.open calls of that click');
  gate.input('rawKeyDown');
  gate.input('keyDown');
  assert.equal(gate.take(), true, 'one key press, one window');
  assert.equal(gate.take(), false);
  gate.input('mouseDown');
  now += ACTIVATION_LIFESPAN_MS + 1;
  assert.equal(gate.take(), false, 'a click long ago opens nothing now');
  gate.input(undefined);
  gate.input({ type: 'mouseDown' });
  assert.equal(gate.take(), false);
});
