// Channels the service delivers to that have no subscription here (unsubscribed, or dropped while offline): each is
// unregistered at the service, once, so it stops sending to them.

import type { PushConnection } from '../push-connection.ts';
import type { SubscriptionRegistry } from '../subscription-registry.ts';

/** Unregistrations in flight at most: a flood of unknown channels cannot grow this without bound. */
const MAX_IN_FLIGHT = 1000;

export class UnknownChannels {
  readonly #registry: SubscriptionRegistry;
  readonly #connection: PushConnection;
  readonly #forgetting = new Set<string>();

  constructor(registry: SubscriptionRegistry, connection: PushConnection) {
    this.#registry = registry;
    this.#connection = connection;
  }

  forget(channelID: string): void {
    // A subscription kept aside (its secrets did not open) is still ours: its channel stays registered.
    if (this.#registry.isAsideChannel(channelID)) return;
    if (this.#forgetting.has(channelID) || this.#forgetting.size > MAX_IN_FLIGHT) return;
    this.#forgetting.add(channelID);
    this.#connection
      .unregister(channelID, 200)
      .catch(() => {})
      .finally(() => this.#forgetting.delete(channelID));
  }
}
