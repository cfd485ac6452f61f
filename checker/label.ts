/** The label of an action when the model gives no `label`: its `label`, `name`, `kind` or `type` field, else its JSON. */
export function defaultLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'object' && action !== null) {
    const rec = action as Record<string, unknown>;
    for (const field of ['label', 'name', 'kind', 'type']) {
      const v = rec[field];
      if (typeof v === 'string') return v;
    }
  }
  const json = JSON.stringify(action);
  return json === undefined ? String(action) : json;
}
