package com.acme.examples;

import java.util.HashMap;
import java.util.Map;

/** `--name value` / `--name=value` command-line flags, with defaults and a clear error for unknown ones. */
public final class Flags {
  private final Map<String, String> values = new HashMap<>();

  private Flags() {}

  /** Parses args against the known flags (name to default); exits with status 2 on a bad flag. */
  public static Flags parse(String program, String[] args, Map<String, String> defaults) {
    Flags flags = new Flags();
    flags.values.putAll(defaults);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.println("usage: " + program + " " + usage(defaults));
        System.exit(0);
      }
      if (!arg.startsWith("--")) fail(program, "unexpected argument " + arg, defaults);
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        fail(program, "--" + name + " needs a value", defaults);
        return flags;
      }
      if (!defaults.containsKey(name)) fail(program, "unknown flag --" + name, defaults);
      flags.values.put(name, value);
    }
    return flags;
  }

  public String get(String name) {
    return values.get(name);
  }

  /** A TCP port, 0 meaning "any free port" (the chosen one is printed on the ready line). */
  public int port(String program) {
    try {
      int port = Integer.parseInt(values.get("port"));
      if (port < 0 || port > 65535) throw new NumberFormatException();
      return port;
    } catch (NumberFormatException e) {
      System.err.println(program + ": --port must be 0..65535, got " + values.get("port"));
      System.exit(2);
      return -1;
    }
  }

  private static void fail(String program, String reason, Map<String, String> defaults) {
    System.err.println(program + ": " + reason + "; usage: " + program + " " + usage(defaults));
    System.exit(2);
  }

  private static String usage(Map<String, String> defaults) {
    StringBuilder sb = new StringBuilder();
    defaults.forEach((k, v) -> sb.append("[--").append(k).append(' ').append(v).append("] "));
    return sb.toString().trim();
  }
}
