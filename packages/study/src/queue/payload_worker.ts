// A BullMQ Worker that keeps a job whose payload is not JSON (or is nested too deep) as a job, with an
// UnparsablePayload for data, so that the processor fails it at once. BullMQ's own Worker throws while
// reading such a job, and the job then cycles between active and stalled, never failing.
import { Job, JobJsonRaw, Worker } from 'bullmq';
import { checkJsonDepth } from '@nodulab/platform';
import { UnparsablePayload } from './payload';

/** A Worker whose jobs' data is parsed JSON, or an UnparsablePayload saying why it could not be. */
export class PayloadWorker<D, R> extends Worker<D, R> {
  protected override createJob(raw: JobJsonRaw, jobId: string): Job<D, R, string> {
    try {
      checkJsonDepth(raw.data ?? '', 'payload');
      return super.createJob(raw, jobId);
    } catch (e) {
      // Everything else of the job as BullMQ needs it to fail the job; its data says why it cannot run.
      const job = super.createJob({ ...raw, data: '{}', opts: '{}', progress: '0', parent: undefined }, jobId);
      const why = e instanceof SyntaxError ? `not JSON (${e.message})` : (e as Error).message;
      job.data = new UnparsablePayload(why) as D;
      return job;
    }
  }
}
