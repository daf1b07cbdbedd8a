/** Baseline for the estimate benchmarks: read the CSV once and count its lines, the least any reader does. */
import { readFileSync } from 'node:fs';

const path = process.argv[2];
if (!path) throw new Error('usage: count-lines FILE');
const bytes = readFileSync(path);
let lines = 0;
for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines++;
process.stdout.write(`${lines}\n`);
