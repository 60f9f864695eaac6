// Schema helpers shared by every nodulab config and spec: zod field builders and error lines.
export * from './issues';
export * from './fields';
export * from './json';
