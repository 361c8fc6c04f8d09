/**
 * The contracts module: everything sandbox code (workflows/, runbooks/) and Node code (activities/, src/temporal,
 * the CLI, the chat bot) share — message definitions, workflow ids, failure types, progress events, condition kinds.
 * Sandbox-safe: no Node built-ins, no I/O. Activities import these from here, never from workflow modules.
 */
export * from './control';
export * from './failures';
export * from './ids';
export * from './lock';
export * from './messages';
export * from './progress';
export { CONDITION_KINDS, ConditionSchema, describeCondition, type Condition, type ConditionKind, type ConditionOf, type Observation, type Evaluation } from '../convergence/conditions';
