// What a command is waiting for: said on stderr while it waits (only to a terminal, so scripts and logs see
// nothing), and named when --timeout gives up.
import type { PushEngine } from '../engine/engine.ts';

export class Progress {
  #write: ((line: string) => void) | null;
  /** What the command waits for now, in words ("the push service at wss://..."). */
  waitingFor = 'the command to finish';

  constructor(write: ((line: string) => void) | null) {
    this.#write = write;
  }

  /** For a terminal: lines on `stream`; otherwise silent. */
  static forStderr(stream: NodeJS.WriteStream = process.stderr): Progress {
    return new Progress(stream.isTTY ? (line) => stream.write(`${line}\n`) : null);
  }

  step(waitingFor: string, line?: string): void {
    this.waitingFor = waitingFor;
    if (line) this.#write?.(line);
  }

  /** Reports the engine's connection attempts to `service` until `stop()` is called. */
  watch(engine: PushEngine, service: string): () => void {
    this.step(`the push service at ${service}`);
    const onState = (state: string, detail: { code?: number; reason?: string; retryInMs?: number }) => {
      if (state === 'connecting') this.#write?.(`connecting to ${service}…`);
      else if (state === 'waiting') {
        const why = detail.code ? ` (${detail.code}${detail.reason ? ` ${detail.reason}` : ''})` : '';
        this.#write?.(
          `cannot reach ${service}${why}, retrying in ${Math.max(1, Math.round((detail.retryInMs ?? 0) / 1000))} s`,
        );
      } else if (state === 'connected') this.#write?.(`connected to ${service}`);
    };
    engine.on('state', onState);
    return () => engine.off('state', onState);
  }
}
