/**
 * The one home of the command names: the commands read from the option
 * schema (each has options and --help from it), and those that are not.
 * cli.ts dispatches on them, config.ts scopes options by them.
 */

/** Commands configured from the option schema, in the order the usage lists them. */
export const CONFIGURED_COMMANDS = ['run', 'replay', 'backfill', 'demo'] as const;
export type Command = (typeof CONFIGURED_COMMANDS)[number];

/** Commands with their own arguments (no option schema). */
export const OTHER_COMMANDS = ['check-pattern', 'version'] as const;

/** Whether `word` names a configured command. */
export function isCommand(word: string): word is Command {
  return (CONFIGURED_COMMANDS as readonly string[]).includes(word);
}
