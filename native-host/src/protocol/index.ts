export * from './codes.ts';
export * from './ids.ts';
export * from './messages.ts';
