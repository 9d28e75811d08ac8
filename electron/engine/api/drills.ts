/** How often drills run (issue 16, §2): a setting the UI, the CLI and the API all change. */
import { z } from 'zod';
import { call } from './define';

export const DrillIntervalSchema = z.object({
  /** Hours between scheduled drills; 0 = scheduled drills off. */
  everyHours: z.number(),
});

export const drillCalls = {
  getDrillInterval: call({
    description: 'How often scheduled drills run, in hours (0 = off).',
    input: z.object({}).default({}),
    output: DrillIntervalSchema,
    mutates: false,
  }),
  setDrillInterval: call({
    description: 'Set how often scheduled drills run, in hours (1 to 2208; 0 turns them off).',
    input: z.object({ everyHours: z.number() }),
    output: DrillIntervalSchema,
    mutates: true,
  }),
};
