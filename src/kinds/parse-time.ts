/**
 * ISO-8601 timestamps as ECS and EventBridge write them
 * (`2021-07-12T05:43:29.769Z`, `2021-07-12T05:44:09Z`, any number of
 * fraction digits) parsed without Date.parse, which is several times slower
 * and runs for nearly every record. Anything else, or any field out of range,
 * falls back to Date.parse, so the result is always Date.parse's.
 */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

function two(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1);
}

/** Milliseconds since the epoch, or NaN when the text is not a date-time. */
export function parseTime(text: string): number {
  const n = text.length;
  if (
    n < 20 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(n - 1) !== 90
  ) {
    return Date.parse(text);
  }
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  let ms = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 || n === 21) return Date.parse(text);
    let scale = 100;
    for (let i = 20; i < n - 1; i++) {
      const d = digit(text, i);
      if (Number.isNaN(d)) return Date.parse(text);
      ms += d * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  if (
    !(month >= 1 && month <= 12 && day >= 1 && day <= 28) ||
    !(hour <= 23 && minute <= 59 && second <= 59) ||
    !(year >= 100)
  ) {
    // Days 29-31, years below 100 (Date.UTC reads them as 19xx) and anything
    // unusual are left to Date.parse to judge.
    return Date.parse(text);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}
