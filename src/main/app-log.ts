// The app's log file, bounded: logs/main.log is rotated when it passes 1 MiB, the classic way (main.log.1 is the
// newest old one), and only 3 old files are kept, so the log never takes more than about 4 MiB. On
// rotating-file-stream; files are 0600 (the log holds no secrets, but it is nobody else's business).
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export interface AppLogFile {
  write(line: string): void;
  /** Resolves when everything written is on disk. */
  close(): Promise<void>;
}

export function openAppLog(
  dir: string,
  opts: { size?: `${number}${'B' | 'K' | 'M'}`; keep?: number } = {},
): AppLogFile {
  // In classic rotation the library passes the old file's number (1 = newest) first, and null for the live file.
  const name = (n: number | Date | null) => (typeof n === 'number' && n > 0 ? `main.log.${n}` : 'main.log');
  const stream: RotatingFileStream = createStream(name, {
    path: dir,
    size: opts.size ?? '1M',
    rotate: opts.keep ?? 3,
    mode: 0o600,
  });
  // A full disk or a vanished directory must not take the app down with its log: lines are dropped instead.
  stream.on('error', () => {});
  stream.on('warning', () => {});
  return {
    write: (line) => void stream.write(line),
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}
