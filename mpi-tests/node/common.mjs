// Shared by the programs that test/mpi runs under mpiexec: they import the compiled package, and
// rank 0 reports each check as one JSON line ("CHECK {...}") that the vitest side parses.
import { writeSync } from 'node:fs';
export { Communicator } from 'parsl-ts';

// Written synchronously: stdout to the launcher is a pipe, which Node writes asynchronously, and a check reported
// just before comm.abort() was lost to the abort (seen once in a full run).
export function report(check, ok, detail = {}) {
  writeSync(1, `CHECK ${JSON.stringify({ check, ok, ...detail })}\n`);
}

export function payload(seq, bytes) {
  const b = Buffer.alloc(Math.max(bytes, 4));
  for (let i = 0; i < b.length; i += 4096) b[i] = (seq + i) & 0xff;
  b.writeUInt32LE(seq >>> 0, 0);
  return bytes < 4 ? b.subarray(0, bytes) : b;
}

export function intact(buf, seq, bytes) {
  if (buf.length !== bytes) return false;
  if (bytes < 4) return true;
  if (buf.readUInt32LE(0) !== seq >>> 0) return false;
  for (let i = 4096; i < buf.length; i += 4096) if (buf[i] !== ((seq + i) & 0xff)) return false;
  return true;
}

export async function sendAll(comm, dest, data, tag) {
  if (!comm.send(dest, data, tag)) await new Promise((r) => comm.once('drain', r));
}
