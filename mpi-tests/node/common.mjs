// Shared by the programs that test/mpi runs under mpiexec: they import the compiled package, and
// rank 0 reports each check as one JSON line ("CHECK {...}") that the vitest side parses.
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
export { Communicator } from 'parsl-ts';

// Written synchronously: stdout to the launcher is a pipe, which Node writes asynchronously, and a check reported
// just before comm.abort() was lost to the abort (seen once in a full run). Even once written, MPICH's launcher can
// end the job before it has forwarded the line (seen in a later full run), so the line also goes to the test's
// check file (test/helpers/mpi.ts), where it is complete once the write returns.
export function report(check, ok, detail = {}) {
  const line = `CHECK ${JSON.stringify({ check, ok, ...detail })}\n`;
  writeSync(1, line);
  if (process.env.PARSL_TEST_CHECK_FILE) appendFileSync(process.env.PARSL_TEST_CHECK_FILE, line);
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

// The libc functions UCX's "bistro" memory hooks rewrite in place, and which of them this process now runs
// rewritten: their first bytes in memory are compared with the same bytes of the libc file.
const HOOKED = ['mmap', 'munmap', 'mremap', 'madvise', 'brk', 'sbrk', 'shmat', 'shmdt'];
export function libcRewritten(names = HOOKED) {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const first = maps.find((l) => /\/libc\.so\.6$/.test(l) && l.split(/\s+/)[2] === '00000000');
  if (!first) throw new Error('libc.so.6 is not mapped in this process');
  const path = first.split(/\s+/).pop();
  const base = BigInt(`0x${first.split('-')[0]}`);
  const symbols = new Map();
  for (const line of execFileSync('nm', ['-D', '--defined-only', path], { encoding: 'utf8' }).split('\n')) {
    const [value, , name] = line.split(' ');
    if (name) symbols.set(name.split('@')[0], BigInt(`0x${value}`));
  }
  // ELF64 program headers: where each loaded segment's bytes sit in the file.
  const file = readFileSync(path);
  const phoff = Number(file.readBigUInt64LE(0x20));
  const segments = [];
  for (let i = 0; i < file.readUInt16LE(0x38); i++) {
    const o = phoff + i * file.readUInt16LE(0x36);
    if (file.readUInt32LE(o) === 1)
      segments.push({ offset: file.readBigUInt64LE(o + 8), vaddr: file.readBigUInt64LE(o + 16), size: file.readBigUInt64LE(o + 32) });
  }
  const mem = openSync('/proc/self/mem', 'r');
  try {
    return names.filter((name) => {
      const at = symbols.get(name);
      const segment = at === undefined ? undefined : segments.find((s) => at >= s.vaddr && at < s.vaddr + s.size);
      if (at === undefined || !segment) throw new Error(`${name} not found in ${path}`);
      const inFile = Number(at - segment.vaddr + segment.offset);
      const live = Buffer.alloc(16);
      readSync(mem, live, 0, live.length, base + at);
      return !live.equals(file.subarray(inFile, inFile + live.length));
    });
  } finally {
    closeSync(mem);
  }
}
