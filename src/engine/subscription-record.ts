// What a subscription is (docs/architecture.md "Subscriptions"). Secrets are not part of the record: they live in the
// SecretBox and are
// only held decrypted in memory while the engine runs.

export type SubscriptionKind = 'site' | 'endpoint' | 'legacy';

export interface SubscriptionRecord {
  id: string;
  channelID: string;
  kind: SubscriptionKind;
  /** https origin for sites; for user-made endpoints a synthetic `push-agent://endpoint/<id>` origin unless given. */
  origin: string;
  scope: string;
  endpoint: string;
  /** base64url of the 65-byte P-256 application server key, or null. */
  applicationServerKey: string | null;
  userVisibleOnly: boolean;
  /** base64url of the 65-byte public key (p256dh); public, so it may live in the store. */
  p256dh: string;
  label: string;
  /** The origin's service worker script, when it has one. */
  workerScriptURL: string | null;
  createdAt: number;
  muted: boolean;
  /** Set by the policy when the silent-push budget is exhausted; cleared by resume. */
  paused: { reason: string; since: number } | null;
  /** Simple Push: the last version seen, versions not above it are ignored. */
  legacyVersion?: number;
  /**
   * Set when the service issued a new UAID: the endpoint is dead until the subscription is registered again.
   * Stored before the new UAID is, and cleared only with the new endpoint, so a reset cut short by a drop or a
   * restart resumes on the next connection.
   */
  pendingReregistration?: { since: number };
}

/** `PushSubscription.toJSON()`. */
export interface SubscriptionJSON {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** What the CLI prints for `subscribe`: the W3C JSON plus our id. */
export interface SubscriptionInfo extends SubscriptionJSON {
  id: string;
  origin: string;
  label: string;
  kind: SubscriptionKind;
  /** True while the endpoint is dead after a UAID reset, until it is registered again (on the next connection). */
  pendingReregistration: boolean;
}
