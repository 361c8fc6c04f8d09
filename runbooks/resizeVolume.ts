import { z } from 'zod';
import { formatAmount, hasMesosPrecision } from '../src/resources/amounts';
import { agentFields, exactlyOneAgent, oneAgent } from '../workflows/kit/agent';
import { defineRunbook } from '../workflows/kit/define';
import { commonFields } from '../workflows/kit/input';
import { persistenceIdField, roleFields, resizeStep, type ResourceFacts } from '../workflows/steps/resources';

export const resizeVolumeInputSchema = z
  .object({
    ...commonFields('say why the volume is resized'),
    ...agentFields,
    role: roleFields.role,
    persistenceId: persistenceIdField,
    /** The volume's size wanted, MB. */
    targetSizeMb: z
      .number({ error: 'must be a number of MB' })
      .positive('must be more than 0 MB (to remove a volume, use persistentVolume with state "absent")')
      .refine(hasMesosPrecision, 'must have at most 3 decimal places (Mesos keeps MB to 0.001)'),
  })
  .strict()
  .superRefine(...exactlyOneAgent);

export type ResizeVolumeInput = z.input<typeof resizeVolumeInputSchema>;

export interface ResizeVolumeResult {
  cluster: string;
  agentId: string;
  hostname: string;
  role: string;
  persistenceId: string;
  /** The size now, MB. */
  sizeMb: number;
  /** The size before, MB, when this run resized it. */
  fromSizeMb?: number;
  resized: boolean;
}

/**
 * resizeVolume: GROW_VOLUME or SHRINK_VOLUME of one persistent volume to a target size, checked first as the master
 * checks it (spec §6), converged when GET_AGENTS shows the new size with no operation pending. Already at the target:
 * done, nothing sent. An abort or failure after the call resizes it back.
 */
export const resizeVolume = defineRunbook({
  name: 'resizeVolume',
  summary: "Resize one persistent volume to a target size (GROW_VOLUME or SHRINK_VOLUME for the difference), checked as the master checks it; converged when GET_AGENTS shows it.",
  destructive: false,
  inputSchema: resizeVolumeInputSchema,
  target: (input) => input.persistenceId,
  example: { hostname: 'agent-1.sim.local', role: 'dev', persistenceId: 'pg-data', targetSizeMb: 2048, reason: 'database needs room' },
  subject: oneAgent<z.output<typeof resizeVolumeInputSchema>>(['agentCanResizeVolume', 'volumeResizable'], { request: (i) => ({ resize: { role: i.role, persistenceId: i.persistenceId, targetSizeMb: i.targetSizeMb } }) }),
  approval: ({ subject, input }) => `resize volume ${input.persistenceId} of ${input.role} on ${subject.hostname} to ${formatAmount('disk', input.targetSizeMb)}`,
  facts: (): ResourceFacts => ({ before: {}, changes: [] }),
  steps: () => [resizeStep()],
  result: ({ cluster, subject, input, facts }): ResizeVolumeResult => ({
    cluster,
    agentId: subject.agentId,
    hostname: subject.hostname,
    role: input.role,
    persistenceId: input.persistenceId,
    sizeMb: input.targetSizeMb,
    ...(facts.sizeBefore !== undefined && facts.changes.length > 0 ? { fromSizeMb: facts.sizeBefore } : {}),
    resized: facts.changes.length > 0,
  }),
});
