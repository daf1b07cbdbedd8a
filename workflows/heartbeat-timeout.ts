/**
 * How long an activity that heartbeats may go silent before Temporal takes its worker for dead and retries it on any
 * worker, when the workflow's input names no other (EBPM_HEARTBEAT_TIMEOUT_SECONDS sets it for the commands that start
 * workflows). The activities heartbeat every second or every committed batch, so two minutes is far beyond a live one.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT = '2 minutes';
