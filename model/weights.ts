/** Weights as stored, hashed and published: float32, little-endian. */
export function weightBytes(weights: Float32Array): Buffer {
  const bytes = Buffer.alloc(weights.length * 4);
  weights.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes;
}

export function weightsFromBytes(bytes: Uint8Array): Float32Array {
  const buffer = Buffer.from(bytes);
  return Float32Array.from({ length: buffer.length / 4 }, (_, i) => buffer.readFloatLE(i * 4));
}
