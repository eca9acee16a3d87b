'use strict';
// Line-based, blocking messages over a pair of FIFOs, shared by the harness and the candidate host.

const { Buffer } = require('buffer');
const fs = require('fs');

class LineChannel {
  constructor(readFd, writeFd) {
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.pending = '';
    this.chunk = Buffer.alloc(64 * 1024);
  }

  /** The next line, or undefined once the other side has closed its end. */
  readLine() {
    let newline = this.pending.indexOf('\n');
    while (newline === -1) {
      const bytes = fs.readSync(this.readFd, this.chunk, 0, this.chunk.length, null);
      if (bytes === 0) return undefined;
      this.pending += this.chunk.toString('latin1', 0, bytes);
      newline = this.pending.indexOf('\n');
    }
    const line = this.pending.slice(0, newline);
    this.pending = this.pending.slice(newline + 1);
    return line;
  }

  /** False when the other side has gone (EPIPE). */
  writeLine(line) {
    const bytes = Buffer.from(`${line}\n`, 'latin1');
    try {
      for (let written = 0; written < bytes.length;) {
        written += fs.writeSync(this.writeFd, bytes, written, bytes.length - written);
      }
      return true;
    } catch (err) {
      if (err.code === 'EPIPE') return false;
      throw err;
    }
  }
}

module.exports = { LineChannel };
