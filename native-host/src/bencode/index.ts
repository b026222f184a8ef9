export { type Decoded, type DecodeOptions, decode } from './decode.ts';
export { type Encodable, encode } from './encode.ts';
export { BDict, type BValue, isBytes, isDict, isInt, isList } from './types.ts';
