package com.acme.examples;

import java.util.concurrent.CountDownLatch;

/**
 * Waits for SIGTERM or SIGINT, then runs the server's drain and exits 0. A plain shutdown hook
 * would also drain, but the JVM then exits 143; supervisors and CI read that as a crash.
 */
public final class Lifecycle {
  private Lifecycle() {}

  /** Prints the ready line that scripts wait for; stdout carries nothing else. */
  public static void ready(int port) {
    System.out.println("listening on " + port);
    System.out.flush();
  }

  /** Blocks until a termination signal, runs {@code drain}, and exits the JVM with status 0. */
  public static void awaitTermination(String program, Runnable drain) {
    CountDownLatch stop = new CountDownLatch(1);
    boolean trapped = trap("TERM", stop) & trap("INT", stop);
    if (!trapped) {
      // Without sun.misc.Signal, still drain (exit status will be 128+signal).
      Runtime.getRuntime().addShutdownHook(new Thread(drain, program + "-drain"));
    }
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.err.println(program + ": stopping");
    drain.run();
    System.err.println(program + ": stopped");
    System.exit(0);
  }

  private static boolean trap(String name, CountDownLatch stop) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stop.countDown());
      return true;
    } catch (Throwable e) {
      return false;
    }
  }
}
