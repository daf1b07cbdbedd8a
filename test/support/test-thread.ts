/** A compute thread for the pool's tests (compiled to dist/ like the real one): each job says what to do. */
import { threadId } from 'node:worker_threads';
import { serveThreadJobs } from '../../runtime/compute-threads.js';

export type TestThreadJob =
  | { readonly kind: 'echo'; readonly value: number; readonly progressSteps?: number }
  | { readonly kind: 'fail'; readonly dataProblem: boolean }
  | { readonly kind: 'spin'; readonly milliseconds: number }
  | { readonly kind: 'exit'; readonly code: number };

export interface TestThreadResult {
  readonly value: number;
  readonly threadId: number;
}

export class TestDataProblem extends Error {
  constructor() {
    super('the test job says its data is wrong');
    this.name = 'TestDataProblem';
  }
}

serveThreadJobs<TestThreadJob, TestThreadResult, number>(
  (job, onProgress) => {
    switch (job.kind) {
      case 'echo':
        for (let step = 1; step <= (job.progressSteps ?? 0); step++) onProgress(step);
        return { value: job.value, threadId };
      case 'fail':
        throw job.dataProblem ? new TestDataProblem() : new RangeError('the test job failed as a machine would');
      case 'spin': {
        const until = Date.now() + job.milliseconds;
        while (Date.now() < until);
        return { value: job.milliseconds, threadId };
      }
      case 'exit':
        process.exit(job.code);
    }
  },
  (error) => error instanceof TestDataProblem,
);
