/** `s3://BUCKET/PREFIX` as a bucket and a key prefix (empty, or ending in `/`). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
  /** As written back in logs and as the lease key: `s3://bucket/prefix/`. */
  readonly url: string;
}

export function parseS3Location(text: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text.trim());
  if (match === null) throw new Error(`"${text}" is not a URL like s3://BUCKET/PREFIX`);
  const bucket = match[1] as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(`"${bucket}" is not an S3 bucket name`);
  }
  const path = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = path === '' ? '' : `${path}/`;
  return { bucket, prefix, url: `s3://${bucket}/${prefix}` };
}
