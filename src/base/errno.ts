/** A Node system error in words, by its code; its own message for any other code. */
export function errnoInWords(err: unknown, words: Readonly<Record<string, string>>): string {
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' ? words[code] : undefined) ?? (err as Error).message;
}
