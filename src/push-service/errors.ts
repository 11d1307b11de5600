// Failures the programmatic API hands to its caller, typed with a stable `kind` (docs/architecture.md).

export type PushServiceErrorKind = 'invalid-option' | 'data-file' | 'closed' | 'port-in-use';

export class PushServiceError extends Error {
  readonly kind: PushServiceErrorKind;
  constructor(kind: PushServiceErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PushServiceError';
    this.kind = kind;
  }
}
