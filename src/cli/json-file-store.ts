// The Store port for the headless command: one JSON document (`state.json`, 0600) written atomically.
//
// It replaced `conf`, which loads a JSON-schema validator (ajv) and semver at start (about 20 MiB of the idle
// process, which uses neither) and re-reads and re-parses the whole file on every get. This store reads the file
// once, keeps each top-level key as its JSON text (so `get` returns a fresh copy, as conf did, and nothing a caller
// mutates leaks in), and rewrites the document on each set: temp file, fsync, rename. The file stays the same plain
// JSON document electron-store reads and writes.
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../engine/ports.ts';
import { StateError } from '../engine/state-schema.ts';

export function stateFile(dataDir: string): string {
  return path.join(dataDir, 'state.json');
}

/**
 * `readOnly`: for commands that only read (`list`, `status`): what they set (a migration's result, the service URL)
 * stays in memory, so they never create or rewrite the data dir.
 */
export function openJsonFileStore(dataDir: string, opts: { readOnly?: boolean } = {}): Store {
  const file = stateFile(dataDir);
  const texts = read(file);
  const write = (): void => {
    if (opts.readOnly) return;
    let out = '{';
    let first = true;
    for (const [key, text] of texts) {
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
    get: (key) => {
      const text = texts.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    set: (key, value) => {
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new TypeError(`cannot store a value of type ${typeof value} for key ${key}: not JSON`);
      const before = texts.get(key);
      // Unchanged (the UAID and service URL at every hello, for one): already durable, and a rewrite costs the
      // whole document.
      if (before === text) return;
      texts.set(key, text);
      try {
        write();
      } catch (err) {
        // Not durable: memory goes back to what the file holds.
        if (before === undefined) texts.delete(key);
        else texts.set(key, before);
        throw err;
      }
    },
    delete: (key) => {
      const before = texts.get(key);
      if (before === undefined) return;
      texts.delete(key);
      try {
        write();
      } catch (err) {
        texts.set(key, before);
        throw err;
      }
    },
  };
}

/** Top-level keys and their JSON text. A file that is not a JSON object is refused, never rewritten. */
function read(file: string): Map<string, string> {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
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
  const texts = new Map<string, string>();
  for (const [key, value] of Object.entries(doc)) texts.set(key, JSON.stringify(value));
  return texts;
}
