// Pure validators for every argument of the settings API (src/shared/settings-api.ts): what the IPC hub runs on
// each call from the settings window before anything reaches the engine. The renderer is untrusted: wrong types,
// unknown keys, huge strings and out-of-range numbers are refused with a typed error, never coerced.

import type { NewEndpoint } from './settings-api.ts';
import { PreferencesError, validatePreferencesPatch, type PreferencesPatch } from './preferences.ts';
import { SETTINGS_METHODS, type SettingsCall, type SettingsMethod } from './ipc.ts';

export class InvalidArgumentError extends Error {
  readonly kind = 'invalid-argument';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

export const SETTINGS_LIMITS = {
  idChars: 64,
  labelChars: 200,
  urlChars: 2048,
  historyLimit: 500,
  /** A P-256 public key is 65 bytes: 87 base64url characters (88 with padding). */
  keyChars: 88,
} as const;

const fail = (message: string): never => {
  throw new InvalidArgumentError(message);
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(`${what}: unknown field "${key}"`);
}

export function subscriptionId(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(value)) fail('id must be a subscription id');
  return value as string;
}

export function label(value: unknown): string {
  if (typeof value !== 'string') fail('label must be a string');
  const s = (value as string).trim();
  if (s.length === 0 || s.length > SETTINGS_LIMITS.labelChars)
    fail(`label must be 1 to ${SETTINGS_LIMITS.labelChars} characters`);
  return s;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be a boolean`);
  return value as boolean;
}

function int(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(`${what} must be an integer from ${min} to ${max}`);
  return value as number;
}

function url(value: unknown, protocols: readonly string[], what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > SETTINGS_LIMITS.urlChars)
    fail(`${what} must be a URL`);
  let parsed: URL;
  try {
    parsed = new URL(value as string);
  } catch {
    return fail(`${what} must be a URL`);
  }
  if (!protocols.includes(parsed.protocol)) fail(`${what} must use ${protocols.join(' or ')}`);
  if (parsed.username || parsed.password) fail(`${what} must not carry credentials`);
  return parsed.href;
}

/** A site to add: https, or http on a loopback host (local development). */
export function siteUrl(value: unknown): string {
  const href = url(value, ['https:', 'http:'], 'site URL');
  const u = new URL(href);
  if (u.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(u.hostname))
    fail('site URL must be https (http only on loopback)');
  return href;
}

export function newEndpoint(value: unknown): NewEndpoint {
  if (!isRecord(value)) return fail('request must be an object');
  onlyKeys(value, ['label', 'applicationServerKey'], 'request');
  const out: NewEndpoint = { label: label(value.label) };
  if (value.applicationServerKey !== undefined) {
    const key = value.applicationServerKey;
    if (typeof key !== 'string' || key.length > SETTINGS_LIMITS.keyChars || !/^[A-Za-z0-9_-]+={0,2}$/.test(key)) {
      fail('applicationServerKey must be a base64url P-256 public key');
    }
    out.applicationServerKey = key as string;
  }
  return out;
}

export function historyFilter(value: unknown): { subscriptionId?: string; limit?: number } | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return fail('filter must be an object');
  onlyKeys(value, ['subscriptionId', 'limit'], 'filter');
  const out: { subscriptionId?: string; limit?: number } = {};
  if (value.subscriptionId !== undefined) out.subscriptionId = subscriptionId(value.subscriptionId);
  if (value.limit !== undefined) out.limit = int(value.limit, 'limit', 1, SETTINGS_LIMITS.historyLimit);
  return out;
}

/** A preferences patch, checked against the one schema (src/shared/preferences.ts); its error becomes ours. */
export function preferencesPatch(value: unknown): PreferencesPatch {
  try {
    return validatePreferencesPatch(value);
  } catch (err) {
    if (err instanceof PreferencesError) fail(err.message);
    throw err;
  }
}

function arity(args: unknown[], min: number, max: number, method: string): void {
  if (args.length < min || args.length > max)
    fail(`${method} takes ${min === max ? min : `${min} to ${max}`} argument(s)`);
}

/** Validates one call from the settings window: a known method and its arguments, or InvalidArgumentError. */
export function validateSettingsCall(method: unknown, args: unknown): SettingsCall {
  if (typeof method !== 'string' || !(SETTINGS_METHODS as readonly string[]).includes(method))
    return fail('unknown method');
  if (!Array.isArray(args)) return fail('arguments must be an array');
  const m = method as SettingsMethod;
  switch (m) {
    case 'getStatus':
    case 'listSubscriptions':
    case 'clearHistory':
    case 'getPreferences':
    case 'sendTestNotification':
      arity(args, 0, 0, m);
      return { method: m, args: [] };
    case 'getSubscriptionJSON':
    case 'sendTestMessage':
    case 'replaceEndpoint':
    case 'deleteSubscription':
    case 'resume':
      arity(args, 1, 1, m);
      return { method: m, args: [subscriptionId(args[0])] };
    case 'createEndpoint':
      arity(args, 1, 1, m);
      return { method: m, args: [newEndpoint(args[0])] };
    case 'renameSubscription':
      arity(args, 2, 2, m);
      return { method: m, args: [subscriptionId(args[0]), label(args[1])] };
    case 'setMuted':
      arity(args, 2, 2, m);
      return { method: m, args: [subscriptionId(args[0]), bool(args[1], 'muted')] };
    case 'addSite':
      arity(args, 1, 1, m);
      return { method: m, args: [siteUrl(args[0])] };
    case 'getHistory': {
      arity(args, 0, 1, m);
      const filter = historyFilter(args[0]);
      return { method: m, args: filter === undefined ? [] : [filter] };
    }
    case 'setPreferences':
      arity(args, 1, 1, m);
      return { method: m, args: [preferencesPatch(args[0])] };
  }
}
