/** Links into the ECS console, for the failures the kinds list. */

/** A region as AWS names them; anything else gets no link (it would choose the link's host). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * `path` (already encoded) under a cluster in the ECS console of its region,
 * or null when the region or cluster is unknown.
 */
export function clusterConsoleUrl(region: string, cluster: string, path: string): string | null {
  if (!REGION.test(region) || cluster === '') return null;
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/${path}`;
}

/** A service's deployments in the ECS console of its region, or null when unknown. */
export function deploymentsConsoleUrl(
  region: string,
  cluster: string,
  service: string,
): string | null {
  if (service === '') return null;
  return clusterConsoleUrl(region, cluster, `services/${encodeURIComponent(service)}/deployments`);
}
