// The scenarios by name, in the order a run takes them.
import type { ScenarioName } from '../spec.ts';
import { direct, instructions } from './direct.ts';
import { group, instructionsGroup } from './group.ts';
import { history } from './history.ts';
import { idle } from './idle.ts';
import { mixed } from './mixed.ts';
import { overload } from './overload.ts';
import { roomList } from './room-list.ts';
import type { Scenario } from './scenario.ts';

export const scenarios: Record<ScenarioName, Scenario> = { direct, group, mixed, idle, history, overload, 'room-list': roomList, instructions, 'instructions-group': instructionsGroup };
