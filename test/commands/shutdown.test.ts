/**
 * How a command ends: status 0 after a clean stop, 1 when stopping fails or
 * never finishes within its budget. In process, no server.
 */
import { describe, expect, it } from 'vitest';
import { shutdown } from '../../src/commands/serve.js';
import { silentLogger } from '../helpers/exposition.js';

describe('shutdown', () => {
  it('ends the process with status 1 when stopping never finishes', async () => {
    const exits: number[] = [];
    const code = await shutdown(silentLogger, () => new Promise<void>(() => undefined), {
      budgetMs: 50,
      exit: (c) => exits.push(c),
    });
    expect(code).toBe(1);
    expect(exits).toEqual([1]);
  });

  it('returns 0 after a clean stop, 1 when stopping fails, without ending the process itself', async () => {
    const exits: number[] = [];
    const exit = (c: number) => exits.push(c);
    expect(await shutdown(silentLogger, async () => undefined, { budgetMs: 1000, exit })).toBe(0);
    expect(
      await shutdown(
        silentLogger,
        async () => {
          throw new Error('the last save failed');
        },
        { budgetMs: 1000, exit },
      ),
    ).toBe(1);
    expect(exits).toEqual([]);
  });
});
