/** Custom search attributes registered on the dev server at start (name → Temporal type). */
export const SEARCH_ATTRIBUTES = {
  L402PaymentHash: 'Keyword',
} as const;
