import { z } from 'zod/mini';

/** The runner's main→post state: strings by key (core.saveState / core.getState). */
export interface StateStore {
  get(key: string): string;
  set(key: string, value: string): void;
}

/** One typed slot of main→post state; a missing or corrupt slot reads as undefined, never throws. */
export function stateSlot<T>(key: string, schema: z.ZodMiniType<T>) {
  return {
    save(store: StateStore, value: T): void {
      store.set(key, JSON.stringify(value));
    },
    load(store: StateStore): T | undefined {
      const raw = store.get(key);
      if (!raw) return undefined;
      try {
        const parsed = schema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export function memoryState(): StateStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, get: (key) => values.get(key) ?? '', set: (key, value) => void values.set(key, value) };
}
