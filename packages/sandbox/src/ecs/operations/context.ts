import type { EcsState } from '../model';
import type { Simulation } from '../simulation';

export interface EcsContext {
  state: EcsState;
  simulation: Simulation;
}

export function includesTags(include: readonly string[] | undefined): boolean {
  return include?.includes('TAGS') ?? false;
}
