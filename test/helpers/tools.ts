/**
 * Tools some tests need from outside the npm packages. A missing tool never
 * passes silently: under CI (CI=true, as .ci/run runs) each test that needs it
 * fails, naming the tool and how to install it; elsewhere those tests are
 * skipped, with a warning on stderr saying the same.
 */
import { describe, it } from 'vitest';

export interface Tool {
  readonly name: string;
  readonly present: boolean;
  /** How to install it, as the failure and the warning say. */
  readonly install: string;
}

const UNDER_CI = process.env.CI === 'true' || process.env.CI === '1';

export function tool(name: string, present: boolean, install: string): Tool {
  if (!present && !UNDER_CI) {
    process.stderr.write(
      `warning: ${name} is not installed: the tests that need it are skipped (${install})\n`,
    );
  }
  return { name, present, install };
}

const missing = (t: Tool) =>
  new Error(`${t.name} is not installed, and under CI every test must run: ${t.install}`);

type Body = () => unknown;

/** `it` for a test that needs `t`. */
export function itWith(t: Tool): (name: string, fn: Body, timeout?: number) => void {
  if (t.present) return (name, fn, timeout) => it(name, fn, timeout);
  if (UNDER_CI)
    return (name) =>
      it(name, () => {
        throw missing(t);
      });
  return (name, fn, timeout) => it.skip(name, fn, timeout);
}

/** `describe` for tests that all need `t` (their hooks start it, say). */
export function describeWith(t: Tool): (name: string, body: () => void) => void {
  if (t.present) return (name, body) => describe(name, body);
  if (UNDER_CI)
    return (name) =>
      describe(name, () => {
        it(`needs ${t.name}`, () => {
          throw missing(t);
        });
      });
  return (name, body) => describe.skip(name, body);
}
