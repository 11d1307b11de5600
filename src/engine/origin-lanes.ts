// What every WorkerHost implementation shares (ports.ts contract): one lane per origin, where events run one at a
// time in order while origins never wait for each other, and the refusals a host gives before running anything.
// The Electron host (src/main/worker-host-core.ts) and the Chromium test host (tests/support) both build on it.

import type { WorkerOutcome } from './ports.ts';

export class OriginLanes<S extends { origin: string }> {
  readonly #lanes = new Map<string, { state: S; queue: Promise<unknown> }>();
  readonly #create: (origin: string) => S;

  constructor(create: (origin: string) => S) {
    this.#create = create;
  }

  /** Runs `task` after every earlier task of the same origin has settled. */
  run<T>(origin: string, task: (state: S) => Promise<T>): Promise<T> {
    let lane = this.#lanes.get(origin);
    if (!lane) {
      lane = { state: this.#create(origin), queue: Promise.resolve() };
      this.#lanes.set(origin, lane);
    }
    const l = lane;
    const result = l.queue.then(() => task(l.state));
    l.queue = result.catch(() => undefined);
    return result;
  }

  get(origin: string): S | undefined {
    return this.#lanes.get(origin)?.state;
  }

  states(): S[] {
    return [...this.#lanes.values()].map((l) => l.state);
  }
}

/** A dispatch refused before it ran: the origin is not http(s), or the host is closed. */
export function refusedDispatch(reason: 'invalid-origin' | 'closed'): WorkerOutcome {
  return reason === 'closed'
    ? { status: 'error', code: 303, kind: 'worker-terminated', message: 'host closed', shown: 0 }
    : { status: 'error', code: 303, kind: 'bridge-error', message: 'invalid origin', shown: 0 };
}
