// ln-service ships no typings; its methods are re-exports of `lightning`, which does.
declare module 'ln-service' {
  export * from 'lightning';
}
