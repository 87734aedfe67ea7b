import type { KV } from 'nats';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import { IdlStore, RegistryError } from '../registry/idl-store';
import { isTransient } from '../registry/kv';
import { retrying } from '../registry/backoff';
import { Subjects } from '../registry/names';
import { PolicyStore } from '../registry/policy-store';
import { policyApplyRequest, policyDeleteRequest, policyRollbackRequest, policyShowRequest } from '../registry/records';
import type { ControlPlane } from './control-plane';
import { liveSidecars } from '../discovery/live-sidecars';
import { awaitConfirmation, type Confirmation, type Wanted } from './policy-confirm';
import { lineDiff } from './policy-diff';
import { validatePolicy, type ValidationContext, type Validated } from './policy-validate';

/** A refused document, or an apply that sidecars did not confirm: the CLI prints every problem, one a line. */
export class PolicyRefused extends RegistryError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

export interface PolicyDeps {
  readonly store: PolicyStore;
  readonly idl: IdlStore;
  /** The discovery bucket: what sidecars are live, their labels and the revisions they run. */
  readonly endpoints: KV;
  readonly log: Logger;
}

/** `transmesh.policy.*`: validate and store documents, and wait until every live sidecar runs them. */
export function registerPolicyHandlers(cp: ControlPlane, deps: PolicyDeps): void {
  const { store, log } = deps;
  cp.handle(Subjects.policyApply, policyApplyRequest, (req) => apply(deps, req));
  cp.handle(Subjects.policyList, z.object({}).passthrough(), () => store.list());
  cp.handle(Subjects.policyShow, policyShowRequest, (req) => store.show(req.service, req.revision));
  cp.handle(Subjects.policyRollback, policyRollbackRequest, async (req) => {
    const res = await store.rollback(req.service, req.to, req.by);
    log.info(res, 'policy rolled back');
    return { ...res, ...(await confirmed(deps, new Map([[req.service, res.revision]]), req.waitTimeoutMs, `revision ${res.revision} of ${req.service} is current`)) };
  });
  cp.handle(Subjects.policyDelete, policyDeleteRequest, async (req) => {
    const res = await store.delete(req.service);
    log.info(res, 'policy deleted');
    return { ...res, ...(await confirmed(deps, new Map([[req.service, undefined]]), req.waitTimeoutMs, `the policy of ${req.service} is deleted`)) };
  });
}

function validationContext(deps: PolicyDeps): ValidationContext {
  return {
    methods: async (service) => {
      try {
        return (await deps.idl.show(service)).model.methods;
      } catch (err) {
        if (err instanceof RegistryError) return undefined;
        throw err;
      }
    },
    // The discovery stream may be electing a leader (a NATS node died): waited out like the stores do.
    providerLabels: (service) =>
      retrying(
        async () => {
          const live = await liveSidecars(deps.endpoints);
          return live.filter((l) => l.record.services.some((s) => s.name === service)).map((l) => l.record.labels);
        },
        (err) => {
          if (!isTransient(err)) throw err;
        },
        10_000,
      ),
  };
}

async function apply(deps: PolicyDeps, req: z.output<typeof policyApplyRequest>) {
  const ctx = validationContext(deps);
  const problems: string[] = [];
  const warnings: string[] = [];
  const valid: Validated[] = [];
  const many = req.files.length > 1;
  for (const f of req.files) {
    const res = await validatePolicy(f.name, f.text, ctx);
    // With several files, each line also names its file.
    const prefix = (line: string) => (many && !line.startsWith(f.name) ? `${f.name}: ${line}` : line);
    warnings.push(...res.warnings.map(prefix));
    if (!res.ok) problems.push(...res.problems.map(prefix));
    else if (valid.some((v) => v.service === res.value.service)) problems.push(prefix(`service: ${res.value.service} is in more than one file`));
    else valid.push(res.value);
  }
  if (problems.length) throw new PolicyRefused(`policy refused: ${problems.length} problem${problems.length > 1 ? 's' : ''}`, problems);

  if (req.dryRun) {
    const changes = [];
    for (const v of valid) {
      const head = await deps.store.head(v.service);
      const before = head ? (await deps.store.doc(v.service, head.current)).yaml : '';
      changes.push({ service: v.service, current: head?.current, diff: lineDiff(before, v.yaml) });
    }
    return { dryRun: true, changes, warnings };
  }

  const applied = [];
  for (const v of valid) {
    const res = await deps.store.put(v.service, v.yaml, v.document, req.by);
    deps.log.info({ service: v.service, revision: res.revision }, 'policy applied');
    applied.push({ service: v.service, revision: res.revision, previous: res.previous, appliedAt: res.appliedAt });
  }
  const wanted: Wanted = new Map(applied.map((a) => [a.service, a.revision]));
  const what = applied.map((a) => `revision ${a.revision} of ${a.service}`).join(', ');
  return { applied, warnings, ...(await confirmed(deps, wanted, req.waitTimeoutMs, `${what} stored`)) };
}

/** Waits for every live sidecar; names the ones that did not apply in time or could not. */
async function confirmed(deps: PolicyDeps, wanted: Wanted, timeoutMs: number, what: string): Promise<Pick<Confirmation, 'confirmed'>> {
  const res = await awaitConfirmation(deps.endpoints, wanted, timeoutMs, deps.log);
  if (res.failed.length) {
    deps.log.warn({ failed: res.failed }, 'policy not confirmed by every sidecar');
    throw new PolicyRefused(`${what}, but ${res.failed.length} sidecar${res.failed.length > 1 ? 's have' : ' has'} not applied it`, res.failed);
  }
  return { confirmed: res.confirmed };
}
