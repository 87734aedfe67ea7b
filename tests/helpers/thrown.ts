/** The error `fn` throws, checked to be a `type`; fails the test when `fn` throws nothing. */
export function thrownBy<E extends Error>(fn: () => unknown, type: abstract new (...args: any[]) => E): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}`);
}
