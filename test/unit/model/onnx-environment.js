// onnxruntime-node builds its output tensors with this process's typed arrays, then checks them with
// `instanceof` against the test sandbox's: hand the sandbox the outer constructors so both realms agree.
const { TestEnvironment } = require('jest-environment-node');

const typedArrays = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of typedArrays) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
