// The default network's name: a leaf module (no imports), so that what only names networks (the
// engine's query face: `ps --filter network=`) loads none of the network layer.
export const DEFAULT_NETWORK = 'berth';
