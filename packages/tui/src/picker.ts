/** The service picker of the replay view: which services to replay. */
export interface PickerItem {
  service: string;
  lines: number;
}

export interface PickerState {
  readonly items: readonly PickerItem[];
  /** Selected services; every item starts selected. */
  readonly selected: ReadonlySet<string>;
  readonly cursor: number;
}

/** Items sorted by volume (then name); all selected. */
export function createPicker(items: readonly PickerItem[]): PickerState {
  const sorted = [...items].sort(
    (a, b) => b.lines - a.lines || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0),
  );
  return { items: sorted, selected: new Set(sorted.map((i) => i.service)), cursor: 0 };
}

export function movePicker(p: PickerState, delta: number): PickerState {
  const cursor = Math.min(Math.max(0, p.cursor + delta), Math.max(0, p.items.length - 1));
  return { ...p, cursor };
}

/** Space: toggles the service under the cursor. */
export function toggleCurrent(p: PickerState): PickerState {
  const item = p.items[p.cursor];
  if (!item) return p;
  const selected = new Set(p.selected);
  if (selected.has(item.service)) selected.delete(item.service);
  else selected.add(item.service);
  return { ...p, selected };
}

/** a: selects all, or none when all are selected. */
export function toggleAll(p: PickerState): PickerState {
  const all = p.selected.size === p.items.length;
  return { ...p, selected: new Set(all ? [] : p.items.map((i) => i.service)) };
}

/** The replay filter the picker stands for: undefined when everything is selected (no filtering). */
export function pickerSelection(p: PickerState): ReadonlySet<string> | undefined {
  return p.selected.size === p.items.length ? undefined : p.selected;
}
