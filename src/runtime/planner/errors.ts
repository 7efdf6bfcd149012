// The planner refuses a config it cannot honour with every reason at once, each naming the
// config.json field it is about.

export interface PlanProblem { path: string; message: string }

export class PlanError extends Error {
  override name = 'PlanError';
  readonly id: string;
  readonly problems: PlanProblem[];
  constructor(id: string, problems: PlanProblem[]) {
    const list = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    super(list.length === 1 ? `container ${id}: ${list[0]}` : `container ${id}: ${list.length} problems:\n  ${list.join('\n  ')}`);
    this.id = id;
    this.problems = problems;
  }
}
