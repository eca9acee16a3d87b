import { z } from 'zod';

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of lowercase hex`);

const MAX_PAYLOAD_BASE64 = 1_000_000;
/** The JSON body of `PUT /gradient`: the largest payload the schema takes, plus room for the other fields. */
export const GRADIENT_BODY_LIMIT_BYTES = MAX_PAYLOAD_BASE64 + 4_096;

/** `PUT /gradient`: the compressed update (SparseLoCo wire format, base64) and where to pay the peer. */
export const GradientBody = z
  .object({
    peerId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a peer id: lowercase letters, digits, dashes'),
    round: z.number().int().min(0),
    checkpointHash: hex(32),
    payload: z.base64().max(MAX_PAYLOAD_BASE64),
    nodePubkey: z
      .string()
      .regex(/^0[23][0-9a-f]{64}$/, "the peer's Lightning node public key (33 bytes hex)"),
  })
  .strict();
export type Gradient = z.output<typeof GradientBody>;

export const RoundParams = z.object({ n: z.coerce.number().int().min(0) }).strict();
export const SubmissionParams = z
  .object({ n: z.coerce.number().int().min(0), id: z.string().min(1).max(200) })
  .strict();
