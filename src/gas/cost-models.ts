/** The built-in cost models by name. */
import { InvalidArgumentError } from '../errors.js';
import type { InstructionSetKind } from '../isa/instruction-sets.js';
import { NAIVE_COST_MODEL, type CostModel } from './cost-model.js';
import { FULL_L1_COST_MODEL, FULL_L2_COST_MODEL, FULL_L3_COST_MODEL } from './pipeline-cost-model.js';

/** Names of the built-in cost models. */
export type CostModelName = 'naive' | 'full-l1' | 'full-l2' | 'full-l3';

export const COST_MODELS: Readonly<Record<CostModelName, CostModel>> = Object.freeze({
  naive: NAIVE_COST_MODEL,
  'full-l1': FULL_L1_COST_MODEL,
  'full-l2': FULL_L2_COST_MODEL,
  'full-l3': FULL_L3_COST_MODEL,
});

/** Resolves a cost model given by name (or passes a custom model through). */
export function resolveCostModel(model: CostModel | CostModelName): CostModel {
  if (typeof model !== 'string') return model;
  const found = Object.prototype.hasOwnProperty.call(COST_MODELS, model) ? COST_MODELS[model] : undefined;
  if (found === undefined) {
    throw new InvalidArgumentError(`unknown cost model '${String(model)}' (expected ${Object.keys(COST_MODELS).join(', ')})`);
  }
  return found;
}

/**
 * The cost model a program gets when none is chosen: JamV1 programs use the pipeline model with L2 hits (as the
 * JAM test vectors do); the other instruction sets use PolkaVM's default, the naive model.
 */
export function defaultCostModel(isa: InstructionSetKind): CostModel {
  return isa === 'jam_v1' ? FULL_L2_COST_MODEL : NAIVE_COST_MODEL;
}
