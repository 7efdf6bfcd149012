// Typed instructions: the public face.
export { parseInstruction, parseInstructions, InstructionError, parseDuration } from './parse.ts';
export type { Instruction, InstructionKind, Of, KeyValue, HeredocFile, RunMount, Source } from './types.ts';
