/** Types for `cluster-key-slot` (ioredis' own dependency, which ships none): Redis Cluster's key -> slot. */
declare module 'cluster-key-slot' {
  /** The hash slot (0..16383) of a key, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
