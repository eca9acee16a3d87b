// ln-service ships no typings; its methods are re-exports of `lightning`, which does, and of `invoices`, which does not.
declare module 'ln-service' {
  export * from 'lightning';
  /**
   * Decodes a BOLT11 payment request without a node. `destination` is the key recovered from the request's
   * signature: the node that signed it. Throws on a request that does not decode.
   */
  export function parsePaymentRequest(args: { request: string }): { destination: string; id: string };
}
