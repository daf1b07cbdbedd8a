/**
 * The parse half of `ebpm ingest` alone, for the ingest benchmarks: the file is read, normalised,
 * validated and encoded as COPY text in the same parse worker the loader uses, and the batches are
 * dropped instead of committed. No database is involved.
 */
import { DEFAULT_BATCH_SIZE } from '../ingest/loading/load-file.js';
import { ParseSessionError } from '../ingest/loading/parse-session.js';
import { ParseWorker } from '../ingest/loading/parse-worker-client.js';
import { firstLoadMeasureSlots } from '../ingest/loading/measure-slots.js';
import { getProgramme } from '../programmes/catalogue.js';
import { fileDeclaration } from '../programmes/file-declaration.js';

const [path, kind = 'applicants'] = process.argv.slice(2);
if (!path || (kind !== 'applicants' && kind !== 'outcomes')) throw new Error("usage: parse-file FILE [applicants|outcomes] (sme-labour-saving's declaration of that kind)");

const declaration = fileDeclaration(getProgramme('sme-labour-saving').file, kind);
// No database here: an outcome file's measures take the places a programme's first load would give them.
const parser = new ParseWorker({ path, declaration, measureSlots: firstLoadMeasureSlots(declaration), resumeAfterLine: null, batchSize: DEFAULT_BATCH_SIZE });
let rows = 0;
try {
  for (;;) {
    const message = await parser.next();
    if (message.type === 'done') break;
    if (message.type === 'failed') throw new ParseSessionError(message.message);
    if (message.type === 'batch') rows += message.batch.loaded + message.batch.rejected;
    parser.grant();
  }
} finally {
  await parser.stop();
}
process.stdout.write(`${rows}\n`);
