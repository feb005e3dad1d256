/**
 * Redaction benchmark: what masking secrets costs a log line. Logs 200,000 typical debug lines (a task's state
 * change) through a package logger into a null stream, first with no secret registered (the baseline: masking
 * is then a length check), then with eight registered secrets of realistic lengths, in the same process.
 *
 *   node --import tsx bench/redact.ts           (build first with npm run build)
 *
 * Prints one JSON object. Registration cannot be undone, so the two phases run in that order; each reports the
 * median of ROUNDS rounds.
 */
import { Writable } from 'node:stream';
import { getLogger, setStreamLogger } from 'parsl-ts';
import { registerSecret } from '#internal';

const LINES = 200_000;
const ROUNDS = 7;

const sink = new Writable({ write: (_c, _e, done) => done() });
const handle = setStreamLogger({ name: 'bench.redact', level: 'debug', stream: sink });
const log = getLogger('bench.redact');

function round(): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) log.debug(`Task ${i} changing state from launched to running`);
  return Number(process.hrtime.bigint() - t0) / LINES;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function phase(): number {
  round(); // warm-up
  return median(Array.from({ length: ROUNDS }, round));
}

const none = phase();
for (const s of [
  'tok-3f9a7c1e5b2d4068',
  'pw-7d1c9e33',
  'pp-4a8b2c6d0e1f',
  'globus-AgV7xq9Lm2pRzz81',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'FwoGZXIvYXdzEJr//////////wEaDHNlc3Npb25Ub2tlbg',
  'ya29.a0AfH6SMBexampleGoogleAccessToken',
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.kubernetes-sa-token',
])
  registerSecret(s);
const eight = phase();
await handle.close();

console.log(
  JSON.stringify({
    bench: 'redact',
    linesPerRound: LINES,
    rounds: ROUNDS,
    nsPerLine: { noSecrets: Math.round(none), eightSecrets: Math.round(eight) },
    ratio: Number((eight / none).toFixed(2)),
  }),
);
