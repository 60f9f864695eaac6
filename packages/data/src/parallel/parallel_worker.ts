// The worker thread of generateParallel: builds the generator once from workerData {spec, seed}, then
// answers each {id, split, indices, hu} with the samples, transferring their buffers back.
import { parentPort, workerData } from 'worker_threads';
import { NoduleGenerator, Sample } from '../generator/generator';
import type { DatasetSpec } from '../spec/spec';

interface Job {
  id: number;
  split: string;
  indices: number[];
  hu: boolean;
}

const { spec, seed } = workerData as { spec: DatasetSpec; seed: number };
const gen = new NoduleGenerator(spec, seed);
parentPort?.on('message', (job: Job) => {
  const samples: Sample[] = job.indices.map((i) => gen.sample(job.split, i, { hu: job.hu }));
  // target is the mask itself when the spec names no target: each buffer is listed once.
  const transfer = new Set(
    samples.flatMap((s) => [
      s.volume.buffer,
      s.mask.buffer,
      s.labels.buffer,
      s.target.buffer,
      ...(s.satelliteMask ? [s.satelliteMask.buffer] : []),
    ]),
  );
  parentPort?.postMessage({ id: job.id, samples }, [...transfer] as ArrayBuffer[]);
});
