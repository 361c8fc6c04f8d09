import { z } from 'zod';
import { formatAmount, hasMesosPrecision } from '../src/resources/amounts';
import { agentFields, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { createVolumeStep, destroyVolumeStep, persistenceIdField, reserveVolumeDiskStep, roleFields, type ResourceFacts } from '../workflows/steps/resources';

export const persistentVolumeInputSchema = z
  .object({
    ...commonFields('say why the volume is created or destroyed'),
    ...agentFields,
    ...roleFields,
    persistenceId: persistenceIdField,
    /** Where tasks see the volume (relative to their sandbox, as Mesos mounts persistent volumes). Needed for "present". */
    containerPath: z
      .string({ error: 'must be a path string, e.g. "data"' })
      .min(1, 'must be a non-empty path')
      .refine((p) => !p.split('/').includes('..'), "must not contain '..'")
      .optional(),
    /** The volume's size, MB. Needed for "present". */
    sizeMb: z
      .number({ error: 'must be a number of MB' })
      .positive('must be more than 0 MB')
      .refine(hasMesosPrecision, 'must have at most 3 decimal places (Mesos keeps MB to 0.001)')
      .optional(),
    /** Use this MOUNT disk (its root, e.g. "/mnt/disk0") whole instead of the agent's root disk. */
    mountRoot: z.string({ error: 'must be a MOUNT disk root, e.g. "/mnt/disk0"' }).min(1, 'must be a non-empty root').optional(),
    state: z.enum(['present', 'absent'], { error: 'must be "present" or "absent"' }),
  })
  .strict()
  .superRefine(...exactlyOneAgent)
  .superRefine((input, ctx) => {
    if (input.state !== 'present') return;
    if (input.containerPath === undefined) ctx.addIssue({ code: 'custom', path: ['containerPath'], message: 'required with state "present": where tasks see the volume, e.g. "data"' });
    if (input.sizeMb === undefined) ctx.addIssue({ code: 'custom', path: ['sizeMb'], message: 'required with state "present": the size in MB' });
  });

export type PersistentVolumeInput = z.input<typeof persistentVolumeInputSchema>;

export interface PersistentVolumeResult {
  cluster: string;
  agentId: string;
  hostname: string;
  role: string;
  persistenceId: string;
  state: 'present' | 'absent';
  sizeMb?: number;
  /** What the run changed, in words (empty when the volume already was as wanted). */
  changes: string[];
  /** For "absent": the disk stays reserved to the role (release it with updateReservations). */
  note?: string;
}

/**
 * persistentVolume: one persistent volume as desired state (spec §6). "present": RESERVE the disk for the role where
 * it lacks it (a MOUNT disk whole), then CREATE_VOLUMES; a volume with that id but another size or path is refused
 * (resizeVolume changes sizes). "absent": DESTROY_VOLUMES, after an approval that names the persistence id whatever
 * `requireApproval` says; the reservation stays. A volume a task uses is refused, naming the tasks.
 */
export const persistentVolume = defineRunbook({
  name: 'persistentVolume',
  summary: 'Make one persistent volume present (reserve its disk where needed, CREATE_VOLUMES) or absent (DESTROY_VOLUMES after a named approval; the reservation stays).',
  destructive: true,
  inputSchema: persistentVolumeInputSchema,
  target: (input) => input.persistenceId,
  example: { hostname: 'agent-1.sim.local', role: 'dev', persistenceId: 'pg-data', containerPath: 'data', sizeMb: 1024, state: 'present', reason: 'database volume' },
  subject: oneAgent<z.output<typeof persistentVolumeInputSchema>>((i) => (i.state === 'present' ? ['volumeCreatable'] : ['volumeNotInUse']), {
    request: (i) =>
      i.state === 'present'
        ? { volume: { role: i.role, persistenceId: i.persistenceId, containerPath: i.containerPath!, sizeMb: i.sizeMb!, ...(i.principal ? { principal: i.principal } : {}), ...(i.mountRoot ? { mountRoot: i.mountRoot } : {}) } }
        : { destroy: { role: i.role, persistenceId: i.persistenceId } },
    withPrincipal: { principal: (i) => i.principal },
  }),
  approval: ({ subject, input }) =>
    input.state === 'present'
      ? `create volume ${input.persistenceId} (${formatAmount('disk', input.sizeMb ?? 0)} at ${input.containerPath}) for ${input.role} on ${subject.hostname}`
      : `destroy volume ${input.persistenceId} of ${input.role} on ${subject.hostname} (its data is lost)`,
  facts: (): ResourceFacts => ({ before: {}, changes: [] }),
  steps: (input) => (input.state === 'present' ? [reserveVolumeDiskStep(), createVolumeStep()] : [destroyVolumeStep()]),
  result: ({ cluster, subject, input, facts }): PersistentVolumeResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    role: input.role,
    persistenceId: input.persistenceId,
    state: input.state,
    ...(input.state === 'present' ? { sizeMb: input.sizeMb } : { note: `the disk of ${input.persistenceId} stays reserved to ${input.role}: release it with updateReservations` }),
    changes: facts.changes,
  }),
});
