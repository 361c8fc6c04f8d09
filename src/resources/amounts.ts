/**
 * The resource amounts operators write in runbook inputs, with their units (the contract of every resource runbook):
 * `cpus` in cores, `mem` and `disk` in MB, `gpus` in whole GPUs — the units Mesos's scalar resources use. Mesos keeps
 * scalars to three decimal places (fixed point), so amounts with more digits are refused rather than rounded.
 * Pure (zod only): runbook schemas in the workflow sandbox, activities and the docs share it.
 */
import { z } from 'zod';

export const RESOURCE_NAMES = ['cpus', 'mem', 'disk', 'gpus'] as const;
export type ResourceName = (typeof RESOURCE_NAMES)[number];

/** The unit of each resource, as the docs and messages write it. */
export const RESOURCE_UNITS: Record<ResourceName, { one: string; many: string }> = {
  cpus: { one: 'core', many: 'cores' },
  mem: { one: 'MB', many: 'MB' },
  disk: { one: 'MB', many: 'MB' },
  gpus: { one: 'GPU', many: 'GPUs' },
};

/** Amounts by resource name; a name left out means "unchanged" (or "no value"), never 0. */
export type Amounts = Partial<Record<ResourceName, number>>;

/** True when `v` has at most three decimal places (Mesos's scalar precision). */
export function hasMesosPrecision(v: number): boolean {
  return Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6;
}

/** Rounds to Mesos's three decimal places (sums of fixed-point values stay exact). */
export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Equal as Mesos compares scalars (fixed point, three decimals). */
export function sameAmount(a: number, b: number): boolean {
  return Math.round(a * 1000) === Math.round(b * 1000);
}

/** One amount's schema: a number ≥ 0 in the resource's unit; gpus whole. */
export function amountSchema(name: ResourceName, max = name === 'mem' || name === 'disk' ? 1024 ** 4 : 1e12) {
  const unit = RESOURCE_UNITS[name].many;
  const base = z
    .number({ error: `must be a number of ${unit}` })
    .refine(Number.isFinite, `must be a finite number of ${unit}`)
    .refine((v) => v >= 0, `must be 0 or more ${unit}`)
    .refine((v) => v <= max, `must be at most ${max} ${unit}`);
  return name === 'gpus' ? base.refine(Number.isInteger, 'must be a whole number of GPUs') : base.refine(hasMesosPrecision, `must have at most 3 decimal places (Mesos keeps ${unit} to 0.001)`);
}

/** `{cpus?, mem?, disk?, gpus?}`: cores, MB, MB, whole GPUs; unknown names refused (naming the allowed ones). */
export function amountsSchema() {
  return z
    .object(
      {
        cpus: amountSchema('cpus').optional(),
        mem: amountSchema('mem').optional(),
        disk: amountSchema('disk').optional(),
        gpus: amountSchema('gpus').optional(),
      },
      { error: 'must be an object of amounts: {cpus (cores), mem (MB), disk (MB), gpus (whole GPUs)}' },
    )
    .strict();
}

/** The names an amounts object sets, in the canonical order (cpus, mem, disk, gpus). */
export function namesOf(amounts: Amounts): ResourceName[] {
  return RESOURCE_NAMES.filter((n) => amounts[n] !== undefined);
}

/** `4 cores`, `1 core`, `1024 MB`, `2 GPUs`. */
export function formatAmount(name: ResourceName | string, value: number): string {
  const unit = RESOURCE_UNITS[name as ResourceName];
  const v = round3(value);
  if (!unit) return `${name} ${v}`;
  return `${v} ${v === 1 ? unit.one : unit.many}`;
}

/** `cpus 4 cores, mem 1024 MB` (or `none`). */
export function formatAmounts(amounts: Amounts | Record<string, number>): string {
  const parts = Object.entries(amounts)
    .filter(([, v]) => v !== undefined)
    .map(([n, v]) => `${n} ${formatAmount(n, v as number)}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
