import { namedMethods } from '../../src/control-plane/policy-method-use';
import { policyDocumentSchema } from '../../src/policy/policy-document';

/** Which methods a policy names: a push may not remove one of them, even forced. */
describe('methods a policy names', () => {
  test('every place a document names a method, with its path; `*` names none', () => {
    const doc = policyDocumentSchema.parse({
      service: 'acme.users.v1.UserService',
      methods: { GetUser: { timeout: '1s' } },
      routes: [{ match: { methods: ['ListUsers'] }, to: { v1: 100 } }],
      faults: [{ match: { methods: ['CreateUser'] }, abort: { code: 'UNAVAILABLE', percent: 10 }, expires: '1h' }],
      access: { allow: [{ callers: ['php-app'], methods: ['*'] }, { callers: ['admin'], methods: ['DeleteUser'] }] },
      quotas: [{ caller: 'php-app', methods: ['Search'], limit: 10, per: 'minute' }],
    });
    expect(namedMethods(doc)).toEqual([
      ['GetUser', 'methods.GetUser'],
      ['ListUsers', 'routes[0].match.methods'],
      ['CreateUser', 'faults[0].match.methods'],
      ['DeleteUser', 'access.allow[1].methods'],
      ['Search', 'quotas[0].methods'],
    ]);
  });

  test('a document naming no method', () => {
    expect(namedMethods(policyDocumentSchema.parse({ service: 's.S', defaults: { timeout: '1s' } }))).toEqual([]);
  });
});
