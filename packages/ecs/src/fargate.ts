const range = (from: number, to: number, step: number) =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/**
 * Fargate's task sizes: for each task CPU (units), the memory (MiB) it may have. ECS refuses any other
 * pair at RegisterTaskDefinition ("No Fargate configuration exists for given values").
 */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Task CPU as ECS takes it: units ("256") or vCPU ("0.25 vCPU", "1 vcpu"). */
export function cpuUnits(value: string | undefined): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value ?? '');
  if (!match) return undefined;
  return match[2] ? Math.round(Number(match[1]) * 1024) : Number(match[1]);
}

/** Task memory as ECS takes it: MiB ("512") or GB ("2 GB", "0.5gb"). */
export function memoryMiB(value: string | undefined): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(value ?? '');
  if (!match) return undefined;
  return match[2] ? Math.round(Number(match[1]) * 1024) : Number(match[1]);
}

/** Why this cpu/memory pair cannot run on Fargate, or undefined when it can. */
export function fargateSizeProblem(cpu: string | undefined, memory: string | undefined): string | undefined {
  if (!cpu || !memory) return 'Fargate needs task-level cpu and memory, and one of them is missing';
  const units = cpuUnits(cpu);
  const mib = memoryMiB(memory);
  const sizes = units === undefined ? undefined : FARGATE_SIZES[units];
  if (!sizes) {
    return `cpu "${cpu}" is not a Fargate size (valid: ${Object.keys(FARGATE_SIZES).join(', ')} units)`;
  }
  if (mib === undefined || !sizes.includes(mib)) {
    const [low, next] = sizes;
    const listed =
      sizes.length <= 4 ? sizes.join(', ') : `${low}–${sizes.at(-1)} in steps of ${next! - low!}`;
    return `memory "${memory}" does not go with cpu ${units} on Fargate (valid: ${listed} MiB)`;
  }
  return undefined;
}
