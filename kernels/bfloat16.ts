const scratch = new DataView(new ArrayBuffer(4));

/** Rounds a float32 to bfloat16 (round to nearest even) and returns the 16 stored bits. */
export function toBfloat16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  if (Number.isNaN(value)) return 0x7fc0;
  const roundingBias = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + roundingBias) >>> 16) & 0xffff;
}

/** The float32 value of 16 bfloat16 bits. */
export function fromBfloat16Bits(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}
