export * from './types';
export * from './errors';
export { l402Gate, type L402Gate, type L402GateOptions, type L402Price } from './gate';
export { renderL402Error } from './render';
export { InMemoryRootKeyStore, InMemoryTokenSpends } from './memory';
export { mintToken, verifyToken, type MintedToken, type VerifiedToken } from './token';
export { parseAuthorization, type L402Credentials } from './header';
export { caveatsFor, verifyCaveats, type TokenScope, type CaveatCheck, type CaveatGrant } from './caveats';
