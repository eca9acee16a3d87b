// The `macaroon` package (go-macaroon's JS port) ships no typings; this declares the part we use.
declare module 'macaroon' {
  export interface Caveat {
    identifier: Uint8Array;
    /** Present only on third-party caveats. */
    location?: string;
    /** Verification id: present only on third-party caveats. */
    vid?: Uint8Array;
  }

  export interface Macaroon {
    readonly identifier: Uint8Array;
    readonly location: string;
    readonly signature: Uint8Array;
    readonly caveats: Caveat[];
    addFirstPartyCaveat(condition: string | Uint8Array): void;
    /** Throws unless the signature chain matches `rootKey` and `check` returns null for every first-party caveat. */
    verify(rootKey: Uint8Array, check: (condition: string) => string | null, discharges?: Macaroon[]): void;
  }

  export function newMacaroon(params: {
    identifier: string | Uint8Array;
    location?: string;
    rootKey: string | Uint8Array;
    version?: 1 | 2;
  }): Macaroon;

  /** A string is base64 (binary or JSON format); a Uint8Array is the binary format. */
  export function importMacaroon(serialized: string | Uint8Array): Macaroon;
}
