// The runtime's other container operations (runc's ps, pause, resume, update, events, features).
//
//   containerPids(root, id) → number[]          filterPsTable(psOutput, pids) → string   (pure)
//   pauseContainer(root, id) / resumeContainer(root, id)
//   updateContainer(root, id, resources) → { warnings }     parseBytes(flag, "512m") → bytes
//   statsEvent(root, id) → StatsEvent          watchEvents(root, id, opts, emit)
//   features(opts) → the features.md document
export { containerPids, filterPsTable, PsOutputError } from './ps.ts';
export { pauseContainer, resumeContainer } from './pause.ts';
export { updateContainer, parseBytes, mergeResources, UpdateValueError } from './update.ts';
export { statsEvent, watchEvents, oomKills } from './events.ts';
export type { RuntimeEvent, StatsEvent, OomEvent, ExitEvent, WatchOptions } from './events.ts';
export { features, hostFeatures } from './features.ts';
export type { FeaturesOptions } from './features.ts';
