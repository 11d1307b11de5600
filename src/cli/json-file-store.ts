// The Store port for the headless command: one JSON document (`state.json`, 0600) written atomically.
//
// It replaced `conf`, which loads a JSON-schema validator (ajv) and semver at start (about 20 MiB of the idle
// process, which uses neither) and re-reads and re-parses the whole file on every get. This store reads the file
// once and rewrites the document on each set: temp file, fsync, rename. The file stays the same plain JSON document
// electron-store reads and writes.
//
// Each top-level key is held as a JSON value (plain objects, arrays and primitives), deeply frozen: `get` returns the
// held value itself (read it; to change it, set a changed copy), and `set` holds a frozen copy of the caller's value,
// so nothing a caller mutates leaks in or out. A copy shares the strings and whatever part of the value is already
// held that way (deeply frozen plain data): a value set frozen is held as it is. So the registry's records and the
// store's value are the same objects, not one copy each, and a get copies nothing (issue 19, memory per
// subscription: the state's text was a second copy beside the records, ~0.75 KiB per subscription, and then the
// store's own objects, ~0.2 KiB).
import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../engine/ports.ts';
import { StateError } from '../engine/state-schema.ts';
import { deepFreeze } from '../engine/deep-freeze.ts';

/** What `set` compares to tell an unchanged value (SHA-1 as a fingerprint, not for security). */
const digestOf = (text: string): string => hash('sha1', text, 'base64');

export function stateFile(dataDir: string): string {
  return path.join(dataDir, 'state.json');
}

/**
 * `readOnly`: for commands that only read (`list`, `status`): what they set (a migration's result, the service URL)
 * stays in memory, so they never create or rewrite the data dir.
 */
export function openJsonFileStore(dataDir: string, opts: { readOnly?: boolean } = {}): Store {
  const file = stateFile(dataDir);
  const values = read(file);
  /** Each key's digest of its JSON text as stored, made when first compared (set). */
  const digests = new Map<string, string>();
  /** `changed` is the key just set and its JSON text, already made to compare it with what is held. */
  const write = (changed?: { key: string; text: string }): void => {
    if (opts.readOnly) return;
    let out = '{';
    let first = true;
    for (const [key, value] of values) {
      const text = key === changed?.key ? changed.text : JSON.stringify(value);
      out += `${first ? '' : ','}\n\t${JSON.stringify(key)}: ${text}`;
      first = false;
    }
    out += '\n}\n';
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      try {
        fs.writeFileSync(fd, out);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  };
  return {
    get: (key) => values.get(key),
    set: (key, value) => {
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new TypeError(`cannot store a value of type ${typeof value} for key ${key}: not JSON`);
      const had = values.has(key);
      const before = values.get(key);
      const digest = digestOf(text);
      // Unchanged (the UAID and service URL at every hello, for one): already durable, and a rewrite costs the
      // whole document. Compared by digest: the held value's text is made once per key, not at every set (the
      // subscriptions' text is 7.5 MiB at 10,000, set once per group of a re-registration round).
      const heldDigest = had ? (digests.get(key) ?? digestOf(JSON.stringify(before))) : undefined;
      if (had && heldDigest === digest) {
        digests.set(key, digest);
        return;
      }
      values.set(key, held(value));
      digests.set(key, digest);
      try {
        write({ key, text });
      } catch (err) {
        // Not durable: memory goes back to what the file holds.
        if (!had) values.delete(key);
        else values.set(key, before);
        if (heldDigest === undefined) digests.delete(key);
        else digests.set(key, heldDigest);
        throw err;
      }
    },
    delete: (key) => {
      if (!values.has(key)) return;
      const before = values.get(key);
      const heldDigest = digests.get(key);
      values.delete(key);
      digests.delete(key);
      try {
        write();
      } catch (err) {
        values.set(key, before);
        if (heldDigest !== undefined) digests.set(key, heldDigest);
        throw err;
      }
    },
  };
}

/** Top-level keys and their values. A file that is not a JSON object is refused, never rewritten. */
function read(file: string): Map<string, unknown> {
  let raw: string;
  try {
    raw = readText(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw new StateError('corrupt', `${file} is not valid JSON; refusing to touch it`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new StateError('corrupt', `${file} does not hold a JSON object; refusing to touch it`);
  // Fresh from JSON.parse and seen by nobody else: frozen in place and held as it is.
  return new Map(Object.entries(doc).map(([key, value]) => [key, deepFreeze(value)]));
}

/**
 * `value` as JSON.stringify then JSON.parse would give it back, deeply frozen, sharing its strings and every part of it
 * that is already so (deeply frozen plain data: the value itself when all of it is). Plain objects and arrays are
 * copied here; anything JSON.stringify transforms (toJSON, Dates, Buffers, class instances, boxed primitives) goes
 * through a real JSON round trip. `value` must already have passed JSON.stringify (no cycles, no BigInt).
 */
function held(value: unknown): unknown {
  if (isHeld(value)) return value;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // + 0: -0 is written 0
    case 'object': {
      if (value === null) return null;
      if (isPlain(value)) {
        if (Array.isArray(value)) {
          const out: unknown[] = [];
          for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i];
            out.push(isSkipped(item) ? null : held(item));
          }
          return Object.freeze(out);
        }
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          const item = (value as Record<string, unknown>)[key];
          if (!isSkipped(item)) out[key] = held(item);
        }
        return Object.freeze(out);
      }
      return deepFreeze(JSON.parse(JSON.stringify(value)));
    }
    default:
      return null; // not reached: JSON.stringify refused it or left it out
  }
}

/**
 * Objects `isHeld` has found to be held data. Frozen with data properties only, such an object and everything in it
 * can never change, so the answer holds for good: a set after the first walks only what is new, not each of 10,000
 * records again (re-registration sets the subscriptions once per group: issue 19's scale table).
 */
const verified = new WeakSet<object>();

/**
 * True when `value` is already what `held` makes of it: a string, boolean, finite number (not -0), null, or a frozen
 * plain object or array of own data properties (no getter: a frozen object whose getter answers differently over
 * time is not data) that JSON.stringify writes whole, each of them so too.
 */
function isHeld(value: unknown): boolean {
  if (typeof value === 'object' && value !== null && verified.has(value)) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (!Object.isFrozen(value) || !isPlain(value) || Object.getOwnPropertySymbols(value).length) return false;
      const props = Object.getOwnPropertyDescriptors(value) as Record<string, PropertyDescriptor>;
      let count = 0;
      for (const key in props) {
        const prop = props[key]!;
        if (!prop.enumerable) {
          if (Array.isArray(value) && key === 'length') continue;
          return false;
        }
        if (!('value' in prop) || !isHeld(prop.value)) return false;
        count++;
      }
      // An array with holes or extra properties is not what JSON gives back.
      if (Array.isArray(value) && count !== value.length) return false;
      verified.add(value);
      return true;
    }
    default:
      return false;
  }
}

/** A plain object or array (of Object's or Array's prototype), with no toJSON of its own. */
function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return proto === Array.prototype && !('toJSON' in value);
  return proto === Object.prototype && !('toJSON' in value);
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The file's text, read into memory V8 maps for itself (a WebAssembly.Memory) and decoded in one piece: one string,
 * as readFileSync(file, 'utf8') gives, without its malloc'd buffer as large as the file. glibc serves a block that
 * large with mmap and, once it is freed, raises its mmap and trim thresholds to its size, so the process's later
 * large allocations stay in the brk heap and are not given back (issue 19: ~5 MiB of RSS at 10,000 subscriptions).
 */
function readText(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((size + 1) / 65_536)) });
    const bytes = new Uint8Array(memory.buffer);
    let length = 0;
    for (let n; length < bytes.length && (n = fs.readSync(fd, bytes, length, bytes.length - length, null)) > 0;)
      length += n;
    // Grown past the room left (written meanwhile): read it the ordinary way.
    if (length === bytes.length) return fs.readFileSync(file, 'utf8');
    // ignoreBOM: keep a byte-order mark, as readFileSync does (JSON.parse then refuses the file).
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, length));
  } finally {
    fs.closeSync(fd);
  }
}
