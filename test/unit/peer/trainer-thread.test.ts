import { DEFAULT_MODEL, initialWeights, parameterCount } from '../../../model/config';

import { referenceTrainer } from '../../../clients/peer/reference-trainer';
import { threadedReferenceTrainer } from '../../../clients/peer/trainer-thread';

jest.setTimeout(120_000);

describe('the reference trainer on a worker thread', () => {
  const threaded = threadedReferenceTrainer({ shard: 1, shards: 3 });
  afterAll(() => threaded.close());

  it('gives the same payloads, round after round, as the trainer on the calling thread', async () => {
    const inline = referenceTrainer({ shard: 1, shards: 3 });
    const weights = initialWeights(DEFAULT_MODEL, 1);
    for (const round of [0, 1]) {
      expect(Buffer.from(await threaded.train(weights, round))).toEqual(Buffer.from(inline(weights, round)));
    }
  });

  it('leaves the event loop free while it trains', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    try {
      await threaded.train(new Float32Array(parameterCount(DEFAULT_MODEL)), 2);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
