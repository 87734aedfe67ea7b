import { decideAccess } from '../../src/sidecar/inbound/access-decision';
import { AccessGate } from '../../src/sidecar/inbound/access-gate';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyPolicies, type AccessPolicy, type PolicySnapshot, type ServicePolicy } from '../../src/policy/service-policy';
import { servicePolicy } from '../helpers/outbound-fixtures';
import { createLogger } from '../../src/log/logger';

const access = (mode: 'enforce' | 'audit'): AccessPolicy => ({
  mode,
  allow: [
    { callers: new Set(['web']), methods: new Set(['Get', 'Echo']) },
    { callers: new Set(['admin']), methods: new Set(['*']) },
  ],
});

const policy = (a: AccessPolicy | undefined): ServicePolicy => servicePolicy({ service: 'acme.Ledger', access: a });

describe('the access decision table', () => {
  test.each([
    ['web', 'Get', 'allow'],
    ['web', 'Echo', 'allow'],
    ['web', 'Delete', 'deny'],
    ['admin', 'Delete', 'allow'],
    ['admin', 'Get', 'allow'],
    ['other', 'Get', 'deny'],
    ['unknown', 'Get', 'deny'],
    ['*', 'Get', 'deny'],
  ])('%s calling %s: %s', (caller, method, expected) => {
    expect(decideAccess(access('enforce'), caller, method)).toBe(expected);
  });

  test('no access section: no decision (everything goes); an empty allow list denies everything', () => {
    expect(decideAccess(undefined, 'anyone', 'Get')).toBeUndefined();
    expect(decideAccess({ mode: 'enforce', allow: [] }, 'web', 'Get')).toBe('deny');
  });
});

describe('the access gate at the provider sidecar', () => {
  const gate = (a: AccessPolicy | undefined) => {
    const cell = new SnapshotCell<PolicySnapshot>(emptyPolicies);
    cell.swap({ byService: new Map([['acme.Ledger', policy(a)]]) });
    return new AccessGate(cell, createLogger('test', 'silent'));
  };

  test('enforce: a denied call is PERMISSION_DENIED naming caller and method; decisions are counted', () => {
    const g = gate(access('enforce'));
    expect(g.admit('web', 'acme.Ledger', 'Get')).toBeUndefined();
    const err = g.admit('other', 'acme.Ledger', 'Get');
    expect(err?.code).toBe('PERMISSION_DENIED');
    expect(err?.message).toBe('access denied: caller other may not call acme.Ledger/Get');
    expect(g.render()).toContain('transmesh_access_decisions_total{caller="web",service="acme.Ledger",method="Get",decision="allow",mode="enforce"} 1');
    expect(g.render()).toContain('transmesh_access_decisions_total{caller="other",service="acme.Ledger",method="Get",decision="deny",mode="enforce"} 1');
  });

  test('audit: nothing is refused, what would be is counted as deny', () => {
    const g = gate(access('audit'));
    expect(g.admit('other', 'acme.Ledger', 'Get')).toBeUndefined();
    expect(g.admit('other', 'acme.Ledger', 'Get')).toBeUndefined();
    expect(g.render()).toContain('transmesh_access_decisions_total{caller="other",service="acme.Ledger",method="Get",decision="deny",mode="audit"} 2');
  });

  test('a service without a policy, or a policy without access: everything goes, nothing counted', () => {
    expect(gate(undefined).admit('other', 'acme.Ledger', 'Get')).toBeUndefined();
    const g = gate(access('enforce'));
    expect(g.admit('other', 'acme.Other', 'Get')).toBeUndefined();
    expect(g.render()).toBe('');
  });

  test('a new policy snapshot applies to the next call', () => {
    const cell = new SnapshotCell<PolicySnapshot>(emptyPolicies);
    const g = new AccessGate(cell, createLogger('test', 'silent'));
    expect(g.admit('other', 'acme.Ledger', 'Get')).toBeUndefined();
    cell.swap({ byService: new Map([['acme.Ledger', policy(access('enforce'))]]) });
    expect(g.admit('other', 'acme.Ledger', 'Get')?.code).toBe('PERMISSION_DENIED');
  });
});
