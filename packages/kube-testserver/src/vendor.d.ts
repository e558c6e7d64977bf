// json-merge-patch ships no types; this is the part of its API the server uses (RFC 7386 apply).
declare module 'json-merge-patch' {
  const mergePatch: {
    apply(target: unknown, patch: unknown): unknown;
    generate(before: unknown, after: unknown): unknown;
  };
  export default mergePatch;
}
