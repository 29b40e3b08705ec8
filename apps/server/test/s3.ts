import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Settings } from '../src/storage/s3.ts';

/** s3rver's credentials (it accepts these and checks the signatures made with them). */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';

export interface TestS3 {
  endpoint: string;
  /** The folder where s3rver keeps its buckets: `<directory>/<bucket>/<key>._S3rver_object`. */
  directory: string;
  settings(bucket: string): S3Settings;
  /** The file on disk that holds an object's bytes (tests alter it as they would a local blob). */
  fileOf(bucket: string, key: string): string;
  stop(): Promise<void>;
}

/** A real S3 API server (s3rver) on a loopback port, with these buckets, in a folder of its own. */
export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'kh-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    directory,
    settings: (bucket) => ({ endpoint, bucket, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }, forcePathStyle: true }),
    fileOf: (bucket, key) => path.join(directory, bucket, `${key}._S3rver_object`),
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
