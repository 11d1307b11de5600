// Deep freezing of plain data (what JSON.parse gives, or a stored record): the state store and the registry share
// frozen records rather than keeping a copy each (issue 19, memory per subscription).

/**
 * Freezes `value` and every object in it, in place, and returns it. It recurses only into objects (not into every
 * string and number) with for-in (no array per object): at start-up it runs over every stored subscription, and
 * called once per value it got hot enough for TurboFan, whose code then stayed paged in (~5 MiB of an idle listener).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) deepFreeze(item);
    }
    Object.freeze(value);
  }
  return value;
}
