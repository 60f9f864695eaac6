// Generation across worker threads, byte-identical to one thread.
export * from './parallel';
