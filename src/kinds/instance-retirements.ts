/**
 * Word from the "ECS Container Instance State Change" kind that a container
 * instance is INACTIVE (deregistered), to the kinds that keep a current
 * view of instances (instance health). Scoped by the series store the kinds
 * share, so two countings in one process never hear each other. Pure.
 */
export type InstanceInactive = (containerInstanceArn: string, atMs: number) => void;

const listeners = new WeakMap<object, InstanceInactive[]>();

/** Registers `listener` for the countings that record into `scope` (their series store). */
export function onInstanceInactive(scope: object, listener: InstanceInactive): void {
  const list = listeners.get(scope);
  if (list === undefined) listeners.set(scope, [listener]);
  else list.push(listener);
}

/** Tells the listeners of `scope` that an instance is INACTIVE. */
export function instanceInactive(scope: object, containerInstanceArn: string, atMs: number): void {
  for (const listener of listeners.get(scope) ?? []) listener(containerInstanceArn, atMs);
}
