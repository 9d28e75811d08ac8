/** The mass-rejection rule (massReject.ts), on sequences of accepted (A) and rejected (R) recipients. */
import { describe, expect, it } from 'vitest';
import { MassRejectionGuard } from '../../../electron/engine/sending/massReject';

type Step = ['A' | 'R', string];
const many = (kind: 'A' | 'R', n: number, domains: string[], prefix: string = kind): Step[] =>
  Array.from({ length: n }, (_, i) => [kind, `${prefix}${i}@${domains[i % domains.length]}`]);

/** Feeds the steps; returns the rule that tripped and at which step (1-based), or null. */
function run(audience: number, steps: Step[]): { rule: string; at: number } | null {
  const g = new MassRejectionGuard(audience);
  for (const [i, [kind, email]] of steps.entries()) {
    if (kind === 'A') g.accepted(1, email);
    else {
      const t = g.rejected(1, email);
      if (t) return { rule: t.rule, at: i + 1 };
    }
  }
  return null;
}

describe('MassRejectionGuard', () => {
  it.each<[string, number, Step[], { rule: string; at: number } | null]>([
    [
      'a whole list rejected (never accepted)',
      1000,
      many('R', 40, ['a.test', 'b.test']),
      { rule: 'never_accepted', at: 5 },
    ],
    ['a list of 5, all rejected', 5, many('R', 5, ['a.test']), { rule: 'never_accepted', at: 5 }],
    ['a list of 3, all rejected', 3, many('R', 3, ['a.test']), { rule: 'never_accepted', at: 3 }],
    ['a list of 2, both rejected', 2, many('R', 2, ['a.test']), { rule: 'never_accepted', at: 2 }],
    ['a list of 1: one rejection is a bounce', 1, many('R', 1, ['a.test']), null],
    [
      'works, then 10 in a row across 2 domains',
      1000,
      [...many('A', 20, ['a.test']), ...many('R', 12, ['a.test', 'b.test'])],
      { rule: 'streak', at: 30 },
    ],
    [
      'works, then 10 in a row at one domain nobody accepted: a dead domain, believed',
      1000,
      [...many('A', 20, ['a.test']), ...many('R', 12, ['dead.test'])],
      null,
    ],
    [
      'works, then 10 in a row at a domain it accepted before: the provider, not the domain',
      1000,
      [...many('A', 20, ['a.test']), ...many('R', 12, ['a.test'], 'x')],
      { rule: 'streak', at: 30 },
    ],
    [
      'the same address rejected again (a retry) counts once',
      1000,
      [...many('A', 5, ['a.test']), ...Array.from({ length: 20 }, (): Step => ['R', 'same@b.test'])],
      null,
    ],
    [
      'most of the last 50 across 3 domains, never 10 in a row',
      1000,
      Array.from({ length: 60 }, (_, i): Step =>
        i % 3 === 2 ? ['A', `a${i}@a.test`] : ['R', `r${i}@${['a', 'b', 'c'][Math.floor(i / 3) % 3]}.test`],
      ),
      { rule: 'majority', at: 38 },
    ],
    [
      'a genuine few among many accepted',
      1000,
      [
        ...many('A', 30, ['a.test', 'b.test']),
        ['R', 'gone@a.test'],
        ...many('A', 30, ['c.test'], 'y'),
        ['R', 'old@b.test'],
      ],
      null,
    ],
    [
      'an old list with one bad address in four: never a majority',
      1000,
      Array.from({ length: 200 }, (_, i): Step =>
        i % 4 === 0 ? ['R', `r${i}@b.test`] : ['A', `a${i}@a.test`],
      ),
      null,
    ],
  ])('%s', (_name, audience, steps, want) => {
    expect(run(audience, steps)).toEqual(want);
  });

  it('trips once; providers are counted apart', () => {
    const g = new MassRejectionGuard(100);
    for (let i = 0; i < 4; i++) expect(g.rejected(1, `r${i}@a.test`)).toBeNull();
    g.accepted(2, 'ok@a.test');
    expect(g.rejected(1, 'r4@a.test')?.rule).toBe('never_accepted');
    expect(g.isTripped(1)).toBe(true);
    expect(g.rejected(1, 'r5@a.test')).toBeNull();
    expect(g.isTripped(2)).toBe(false);
  });
});
