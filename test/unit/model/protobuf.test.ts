import { ProtoWriter } from '../../../model/protobuf';

describe('ProtoWriter', () => {
  it.each<[number, number[]]>([
    [1, [0x08, 0x01]],
    [300, [0x08, 0xac, 0x02]],
    [-1, [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ])('writes varint field 1 = %p as protobuf does', (value, bytes) => {
    expect(Array.from(new ProtoWriter().varintField(1, value).finish())).toEqual(bytes);
  });

  it('writes strings, nested messages and floats with their wire types', () => {
    const inner = new ProtoWriter().stringField(1, 'ab');
    const bytes = new ProtoWriter().messageField(7, inner).floatField(2, 1).finish();
    expect(Array.from(bytes)).toEqual([0x3a, 0x04, 0x0a, 0x02, 0x61, 0x62, 0x15, 0x00, 0x00, 0x80, 0x3f]);
  });
});
