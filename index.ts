/**
 * writepath as a package: the model checker, the spec of the Linux write path, and the
 * helpers for using the spec in another project's tests (writepath/testing).
 *
 * `import { scenario, check, assertScenario, ... } from 'writepath'`
 */
export * from './checker/index.ts';
export * from './spec/index.ts';
export * from './testing/index.ts';
