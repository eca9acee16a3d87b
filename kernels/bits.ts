/** Appends unsigned fields of up to 32 bits, least significant bit first, into a growing byte buffer. */
export class BitWriter {
  private bytes: Uint8Array;
  private bitLength = 0;

  constructor(initialBytes = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialBytes));
  }

  write(value: number, width: number): void {
    this.ensure(width);
    let remaining = width;
    let rest = value >>> 0;
    while (remaining > 0) {
      const byteIndex = this.bitLength >>> 3;
      const offset = this.bitLength & 7;
      const take = Math.min(8 - offset, remaining);
      const mask = (1 << take) - 1;
      this.bytes[byteIndex] = this.bytes[byteIndex]! | ((rest & mask) << offset);
      rest >>>= take;
      remaining -= take;
      this.bitLength += take;
    }
  }

  /** Unary code: `count` one bits then a zero bit. */
  writeUnary(count: number): void {
    for (let i = 0; i < count; i++) this.write(1, 1);
    this.write(0, 1);
  }

  get lengthInBits(): number {
    return this.bitLength;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, (this.bitLength + 7) >>> 3);
  }

  private ensure(extraBits: number): void {
    const needed = ((this.bitLength + extraBits + 7) >>> 3) + 1;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/** Reads what a BitWriter wrote; `exhausted` reports a read past the end instead of throwing mid-field. */
export class BitReader {
  private position = 0;
  exhausted = false;

  constructor(private readonly bytes: Uint8Array) {}

  read(width: number): number {
    let value = 0;
    let filled = 0;
    while (filled < width) {
      const byteIndex = this.position >>> 3;
      if (byteIndex >= this.bytes.length) {
        this.exhausted = true;
        return 0;
      }
      const offset = this.position & 7;
      const take = Math.min(8 - offset, width - filled);
      const chunk = (this.bytes[byteIndex]! >>> offset) & ((1 << take) - 1);
      value += chunk * 2 ** filled;
      filled += take;
      this.position += take;
    }
    return value;
  }

  /** Counts one bits up to the terminating zero; stops at `limit` ones (a malformed run). */
  readUnary(limit: number): number {
    let count = 0;
    while (count <= limit && this.read(1) === 1 && !this.exhausted) count++;
    return count;
  }

  get bitsRemaining(): number {
    return this.bytes.length * 8 - this.position;
  }
}
