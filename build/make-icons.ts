// Generates the app's PNG icons (no image tools needed): `node build/make-icons.ts`. The output is committed;
// rerun only to change the artwork. App icon: a blue rounded square with a white ring and dot (a push arriving).
// Tray icons: a dot whose colour is the connection state.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

type RGBA = [number, number, number, number];
type Shader = (x: number, y: number, size: number) => RGBA;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Renders with 4x4 supersampling so edges are smooth. */
export function png(size: number, shade: Shader): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const [r, g, b, a] = shade((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size, size);
          acc[0]! += r * a;
          acc[1]! += g * a;
          acc[2]! += b * a;
          acc[3]! += a;
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3]!;
      raw[o] = a ? Math.round(acc[0]! / a) : 0;
      raw[o + 1] = a ? Math.round(acc[1]! / a) : 0;
      raw[o + 2] = a ? Math.round(acc[2]! / a) : 0;
      raw[o + 3] = Math.round(a / 16);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const BLUE: RGBA = [37, 99, 235, 255];
const WHITE: RGBA = [255, 255, 255, 255];
const CLEAR: RGBA = [0, 0, 0, 0];

const appIcon: Shader = (x, y) => {
  const m = 0.06;
  const r = 0.2;
  const cx = Math.min(Math.max(x, m + r), 1 - m - r);
  const cy = Math.min(Math.max(y, m + r), 1 - m - r);
  if (Math.hypot(x - cx, y - cy) > r) return CLEAR;
  const d = Math.hypot(x - 0.5, y - 0.5);
  if (d < 0.1) return WHITE;
  if (d > 0.2 && d < 0.27) return WHITE;
  return BLUE;
};

const trayIcon =
  (color: RGBA, hollow: boolean): Shader =>
  (x, y) => {
    const d = Math.hypot(x - 0.5, y - 0.5);
    if (d > 0.42) return CLEAR;
    if (hollow && d < 0.26) return CLEAR;
    return color;
  };

function write(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  write(path.join(here, 'icon.png'), png(1024, appIcon));
  for (const s of [16, 24, 32, 48, 64, 128, 256, 512])
    write(path.join(here, 'icons', `${s}x${s}.png`), png(s, appIcon));
  const states: Record<string, [RGBA, boolean]> = {
    connected: [[22, 163, 74, 255], false],
    reconnecting: [[217, 119, 6, 255], true],
    offline: [[115, 115, 115, 255], true],
  };
  for (const [name, [color, hollow]] of Object.entries(states)) {
    write(path.join(here, 'icons', `tray-${name}.png`), png(16, trayIcon(color, hollow)));
    write(path.join(here, 'icons', `tray-${name}@2x.png`), png(32, trayIcon(color, hollow)));
  }
  console.log('icons written to build/');
}
