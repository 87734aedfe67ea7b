import { configFrom } from '../../src/cli/sidecar-command';
import { UsageError } from '../../src/cli/args';

describe('--label', () => {
  test('repeatable KEY=VALUE pairs become the sidecar labels; none is an empty set', () => {
    expect(configFrom({ app: 'a', nats: 'nats://h:1', label: ['version=v2', 'zone=b', 'empty='] }).label).toEqual({ version: 'v2', zone: 'b', empty: '' });
    expect(configFrom({ app: 'a', nats: 'nats://h:1' }).label).toEqual({});
  });

  test('a key given twice, or no key, is a flag error', () => {
    expect(() => configFrom({ app: 'a', nats: 'nats://h:1', label: ['version=v1', 'version=v2'] })).toThrow(new UsageError('--label: label "version" is given twice'));
    expect(() => configFrom({ app: 'a', nats: 'nats://h:1', label: ['=v1'] })).toThrow(UsageError);
    expect(() => configFrom({ app: 'a', nats: 'nats://h:1', label: ['novalue'] })).toThrow(/not KEY=VALUE/);
  });
});
