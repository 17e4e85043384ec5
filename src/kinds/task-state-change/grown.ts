/** A column of per-slot values in a typed array, as the task tables keep them. */
type Column = Uint8Array | Uint16Array | Uint32Array | Float64Array;

/** A copy of `column` grown to `size` slots, the new ones set to `fill`. */
export function grown<C extends Column>(column: C, size: number, fill = 0): C {
  const next = new (column.constructor as new (length: number) => C)(size);
  if (fill !== 0) next.fill(fill);
  next.set(column);
  return next;
}
