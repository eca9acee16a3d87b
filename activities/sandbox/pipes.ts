import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { SandboxError } from '../../domain/bounty/errors';

/** Which sandbox writes into a pipe; the other one reads it. */
export type PipeSide = 'harness' | 'candidate';

/** A one-way pipe between the two sandboxes of an eval, as a bundle declares it. */
export interface EvalPipe {
  from: PipeSide;
  /** The fd the writer sees in its sandbox. */
  fromFd: number;
  /** The fd the reader sees in the other sandbox. */
  toFd: number;
}

/** Both ends of a pipe, open in this process until each has been handed to its sandbox. */
export interface OpenPipe {
  pipe: EvalPipe;
  readFd: number;
  writeFd: number;
}

const run = promisify(execFile);

/**
 * Opens anonymous-like pipes (FIFOs made in a private 0700 directory and unlinked at once): Node cannot call
 * pipe(2), and a FIFO opened here has no name left for anything to open later. Both ends are blocking.
 */
export async function openPipes(
  tempRoot: string,
  mkfifoPath: string,
  pipes: EvalPipe[],
): Promise<OpenPipe[]> {
  if (pipes.length === 0) return [];
  const dir = await mkdtemp(join(tempRoot, 'l402-eval-pipes-'));
  const opened: OpenPipe[] = [];
  try {
    const paths = pipes.map((_, i) => join(dir, String(i)));
    await run(mkfifoPath, ['-m', '600', ...paths]).catch((err: Error) => {
      throw new SandboxError('SANDBOX_UNAVAILABLE', `cannot make the eval's pipes: ${err.message}`);
    });
    pipes.forEach((pipe, i) => {
      const path = paths[i] as string;
      // A non-blocking reader lets the writer open without waiting; a blocking reader then replaces it.
      const placeholder = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const writeFd = openSync(path, constants.O_WRONLY);
      const readFd = openSync(path, constants.O_RDONLY);
      closeSync(placeholder);
      opened.push({ pipe, readFd, writeFd });
    });
    return opened;
  } catch (err) {
    closePipes(opened);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Closes this process's copies of the pipes' ends (once both sandboxes hold theirs, or on failure). */
export function closePipes(pipes: OpenPipe[]): void {
  for (const { readFd, writeFd } of pipes) {
    for (const fd of [readFd, writeFd]) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
  }
  pipes.length = 0;
}

/** The fds a side's sandbox inherits: its write ends and read ends at the fds the bundle declared. */
export function fdsFor(side: PipeSide, pipes: readonly OpenPipe[]): Map<number, number> {
  const fds = new Map<number, number>();
  for (const { pipe, readFd, writeFd } of pipes) {
    if (pipe.from === side) fds.set(pipe.fromFd, writeFd);
    else fds.set(pipe.toFd, readFd);
  }
  return fds;
}
