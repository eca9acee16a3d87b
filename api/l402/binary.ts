import type { Macaroon } from 'macaroon';

const VERSION_2 = 2;
const FIELD_EOS = 0;
const FIELD_LOCATION = 1;
const FIELD_IDENTIFIER = 2;
const FIELD_VID = 4;
const FIELD_SIGNATURE = 6;

/**
 * Serialises a macaroon in the standard binary v2 format (what go-macaroon and Aperture read).
 *
 * We do not use the package's own `exportBinary`: its buffer doubles on every append (its
 * `_grow` compares against an undefined `_capacity`), so a macaroon with three caveats
 * allocates 3.3 GB of address space and one with four throws a RangeError.
 */
export function exportMacaroonBinary(macaroon: Macaroon): Uint8Array {
  const parts: Buffer[] = [Buffer.from([VERSION_2])];
  const field = (type: number, data: Uint8Array | string): void => {
    const bytes = Buffer.from(data);
    parts.push(Buffer.from([type]), uvarint(bytes.length), bytes);
  };
  if (macaroon.location) field(FIELD_LOCATION, macaroon.location);
  field(FIELD_IDENTIFIER, macaroon.identifier);
  parts.push(Buffer.from([FIELD_EOS]));
  for (const caveat of macaroon.caveats) {
    if (caveat.location) field(FIELD_LOCATION, caveat.location);
    field(FIELD_IDENTIFIER, caveat.identifier);
    if (caveat.vid) field(FIELD_VID, caveat.vid);
    parts.push(Buffer.from([FIELD_EOS]));
  }
  parts.push(Buffer.from([FIELD_EOS]));
  field(FIELD_SIGNATURE, macaroon.signature);
  return new Uint8Array(Buffer.concat(parts));
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
