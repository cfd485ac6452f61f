/**
 * writepath/testing: the spec in another project's tests.
 *
 * - `assertScenario(s)` checks a scenario and throws the readable trace when it does not meet
 *   its expectation;
 * - `runSchedule(model, [...])` executes one interleaving and returns every intermediate state;
 * - `outcomeAllowed` / `allowedAfterPowerLoss` ask whether observed results and post-crash
 *   contents are allowed;
 * - `programArb`, `programsArb`, `scheduleArb` are fast-check arbitraries;
 * - `syscallCommands` makes each syscall a fast-check model-based command judged by the spec.
 */
export { assertScenario, formatScenarioResult, ScenarioAssertionError } from './assert.ts';
export { runSchedule, followChoices, ScheduleError, type ScheduleStep } from './schedule.ts';
export { outcomeAllowed, allowedAfterPowerLoss, afterPowerLossAllowed } from './outcomes.ts';
export { syscallArb, programArb, programsArb, scheduleArb, nameWrites, type ProgramShape } from './arbitraries.ts';
export { default as fc } from 'fast-check';
export { SyscallCommand, syscallCommands, specRun, type SystemUnderTest, type SpecRun } from './commands.ts';
