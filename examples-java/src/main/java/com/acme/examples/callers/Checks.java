package com.acme.examples.callers;

import java.util.ArrayList;
import java.util.List;

/**
 * What a caller example did, one line a call ("<who>: <call> -> <what came back>"), and whether
 * each answer was the expected one; with --check a surprise makes the process exit 1.
 */
public final class Checks {
  /** A call that answers or throws. */
  @FunctionalInterface
  public interface Call<T> {
    T run() throws Exception;
  }

  private final String who;
  private final List<String> failures = new ArrayList<>();
  private int passed;

  public Checks(String who) {
    this.who = who;
  }

  /** Prints the call and what came back; counts a failure when `expected` is false. */
  public void saw(String call, String got, boolean expected) {
    System.out.println(who + ": " + call + " -> " + got + (expected ? "" : "   UNEXPECTED"));
    if (expected) passed++;
    else failures.add(call + " -> " + got);
  }

  /** Runs a call expected to answer, then judges the answer. */
  public <T> T answer(String call, Call<T> run, java.util.function.Predicate<T> expected) {
    try {
      T got = run.run();
      saw(call, String.valueOf(got).replaceAll("\\s+", " "), expected.test(got));
      return got;
    } catch (Exception e) {
      saw(call, e.getClass().getSimpleName() + ": " + e.getMessage(), false);
      return null;
    }
  }

  /** Prints the summary line; the exit code for --check. */
  public int finish(boolean check) {
    System.out.println(who + ": " + passed + " passed, " + failures.size() + " failed");
    return check && !failures.isEmpty() ? 1 : 0;
  }

  /** `--check` anywhere in args: true; the other args are returned for Flags. */
  public static boolean takeCheck(List<String> args) {
    return args.remove("--check");
  }
}
