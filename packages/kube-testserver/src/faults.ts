import type { RequestAttributes } from './authz.js';
import type { ObjectStore } from './store.js';

/** Which requests a fault applies to; unset fields match anything. `resource` may be `pods/log`. */
export interface FaultMatch {
  verb?: string | string[];
  resource?: string;
  namespace?: string;
  name?: string;
}

export interface Fault extends FaultMatch {
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
  /** Runs before the request is served: e.g. a concurrent writer editing the object first. */
  before?: (store: ObjectStore, attrs: RequestAttributes) => void | Promise<void>;
  /** Answers with this Status error instead of serving the request. */
  respond?: { code: number; reason?: string; message?: string };
  /** Holds the request this long before serving it. */
  delayMs?: number;
}

interface ActiveFault {
  fault: Fault;
  left: number;
}

/** Fault injection: what happens to the next matching requests. */
export class Faults {
  private active: ActiveFault[] = [];

  /** Adds a fault; returns a function that removes it. */
  inject(fault: Fault): () => void {
    const entry = { fault, left: fault.times ?? 1 };
    this.active.push(entry);
    return () => {
      this.active = this.active.filter((e) => e !== entry);
    };
  }

  clear(): void {
    this.active = [];
  }

  /** Consumes and returns the faults matching a request. */
  take(a: RequestAttributes): Fault[] {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const hits: Fault[] = [];
    for (const e of this.active) {
      const f = e.fault;
      const verbs = f.verb === undefined ? undefined : Array.isArray(f.verb) ? f.verb : [f.verb];
      if (verbs && !verbs.includes(a.verb)) continue;
      if (f.resource !== undefined && f.resource !== res) continue;
      if (f.namespace !== undefined && f.namespace !== a.namespace) continue;
      if (f.name !== undefined && f.name !== a.name) continue;
      if (e.left <= 0) continue;
      e.left--;
      hits.push(f);
    }
    this.active = this.active.filter((e) => e.left > 0);
    return hits;
  }
}
